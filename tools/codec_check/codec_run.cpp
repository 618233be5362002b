#include "codec_run.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <memory>
#include <random>
#include <vector>

#include "checker.h"
#include "checking_host_api.h"
#include "heap_usage.h"
#include "host/registry/codec_instance.h"
#include "host/registry/codec_library.h"
#include "input_source.h"
#include "lifecycle.h"
#include "reporter.h"

namespace codec_check {
namespace {

using exproto::host::CodecInstance;
using exproto::host::CodecLibrary;

// Heap growth below this over a whole run is taken for one-time allocations (a lazily built
// table, a logger buffer) rather than a leak; a leaked session state repeats per session and
// quickly exceeds it.
constexpr std::size_t kLeakTolerance = 1024;

struct RunSetup {
  std::shared_ptr<const CodecLibrary> library;
  const Options& options;
  const InputSource& inputs;
  std::mt19937_64& rng;
  CrashContext& crash;
  Reporter& out;
};

// One instance from on_codec_create to on_codec_destroy. Without `report`, the violations found
// are handed back in `found` instead of reported. False when the instance could not be created.
bool run_instance(const RunSetup& setup, const LifecyclePlan& plan, std::vector<Checker::Finding>& found,
                  bool report) {
  Checker checker(setup.rng);
  std::shared_ptr<CodecInstance> instance;
  {
    Checker::Scope scope(checker, nullptr, "on_codec_create");
    setup.crash.begin("on_codec_create", "");
    auto created = CodecInstance::create(setup.library, checking_host_api(), setup.options.config_json);
    setup.crash.done();
    if (!created) {
      setup.out.fail("create", created.error());
      return false;
    }
    instance = std::move(*created);
  }
  {
    Lifecycle life(*instance, checker, setup.inputs, setup.rng, setup.crash);
    life.run(plan);
    if (report) life.report(setup.out);
  }
  {
    Checker::Scope scope(checker, nullptr, "on_codec_destroy");
    setup.crash.begin("on_codec_destroy", "");
    instance.reset();
    setup.crash.done();
  }
  if (report) {
    checker.report(setup.out, found);
  } else {
    found = checker.violations();
  }
  return true;
}

}  // namespace

int check_codec(const Options& options, CrashContext& crash) {
  Reporter out;
  spdlog::set_pattern("codec log    [%l] %v");
  auto inputs = InputSource::load(options.corpus);
  if (!inputs) {
    out.fail("corpus", inputs.error());
    return 1;
  }

  crash.begin("loading (the entry function)", "");
  auto library = CodecLibrary::load(options.codec, {}, checking_host_api());
  crash.done();
  if (!library) {
    out.line("accepted", "no");
    out.fail("rejected", library.error());
    return 1;
  }
  const auto& lib = **library;
  const auto& d = lib.descriptor();
  out.line("descriptor", fmt::format("name \"{}\", version \"{}\", vendor \"{}\", ABI {}.{}", lib.name(), lib.version(),
                                     lib.vendor(), d.abi_major, d.abi_minor));
  out.line("accepted", fmt::format("yes by this host (ABI {}.{}){}", EXPROTO_ABI_MAJOR, EXPROTO_ABI_MINOR,
                                   d.abi_minor > EXPROTO_ABI_MINOR ? "; what the codec's newer minor adds is ignored" : ""));
  out.line("sha256", lib.sha256());
  out.line("lifecycle", fmt::format("{} sessions at a time for {} s, {} corpus files, seed {}", options.sessions,
                                    options.fuzz_seconds, inputs->corpus_files(), options.seed));

  std::mt19937_64 rng(options.seed);
  const RunSetup setup{*library, options, *inputs, rng, crash, out};
  // Warm-up: one-time allocations (function statics, logger buffers) happen here, not in the
  // measured run, so they are not mistaken for leaks.
  // Its violations are reported after the measured run's, unless that run found them again.
  LifecyclePlan warmup{std::min(options.sessions, 2u), std::chrono::milliseconds(500), 200};
  std::vector<Checker::Finding> warmup_findings;
  if (!run_instance(setup, warmup, warmup_findings, false)) return 1;

  const std::size_t before = heap_in_use();
  const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(options.fuzz_seconds));
  if (!run_instance(setup, LifecyclePlan{options.sessions, duration}, warmup_findings, true)) return 1;
  const std::size_t after = heap_in_use();
  if (after > before + kLeakTolerance) {
    out.fail("leak", fmt::format("the heap grew by {} bytes from on_codec_create to on_codec_destroy (state of closed "
                                 "sessions or of the instance never freed)",
                                 after - before));
  } else {
    out.line("heap", fmt::format("{:+} bytes from on_codec_create to on_codec_destroy",
                                 static_cast<long long>(after) - static_cast<long long>(before)));
  }
  return out.failures() == 0 ? 0 : 1;
}

}  // namespace codec_check
