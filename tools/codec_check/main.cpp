// exproto-codec-check CODEC.so [--config JSON|@FILE] [--corpus DIR] [--fuzz-seconds N] [--sessions N]
//
// Tells a codec vendor, before an operator finds out: does exproto-host accept this library, does
// it export only its entry point, and does it keep the ABI's contract under a hostile lifecycle
// (host functions only from the right session's hooks, never after close, valid arguments; no
// crash, hang, escaping exception or leak). Exit status: 0 pass, 1 a problem found, 2 bad usage.
#include <CLI/CLI.hpp>

#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <random>

#include "child_run.h"
#include "codec_run.h"
#include "crash_context.h"
#include "elf_findings.h"
#include "malloc_tuning.h"
#include "options.h"
#include "reporter.h"

namespace {

using namespace codec_check;

// "--config @file" reads the file; anything else is the JSON text itself.
bool resolve_config(Options& o, Reporter& out) {
  if (o.config_json.empty() || o.config_json.front() != '@') return true;
  const std::string file = o.config_json.substr(1);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.fail("config", "cannot read " + file);
    return false;
  }
  o.config_json.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

// Runs the codec (in a child unless --no-fork) and reports how that ended. True when it passed.
bool run_lifecycle(const Options& o, Reporter& out) {
  SharedCrashContext shared;
  auto body = [&] { return check_codec(o, shared.get()); };
  if (o.no_fork) return body() == 0;

  const auto hang_after = std::chrono::milliseconds(static_cast<long long>(o.hang_seconds * 1000));
  auto outcome = run_in_child(body, shared.get(), hang_after);
  if (!outcome) {
    out.fail("run", outcome.error());
    return false;
  }
  const std::string where = shared.get().describe() + fmt::format(" (replay with --seed {})", o.seed);
  switch (outcome->kind) {
    case ChildOutcome::Kind::signalled:
      out.fail("crash", fmt::format("signal {} ({}) {}", outcome->signal, ::strsignal(outcome->signal), where));
      return false;
    case ChildOutcome::Kind::hung:
      out.fail("hang", fmt::format("no hook returned for {} s, {}", o.hang_seconds, where));
      return false;
    case ChildOutcome::Kind::exited:
      return outcome->exit_code == 0;  // the child printed its own FAIL lines
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  exec_without_malloc_caches(argv);
  CLI::App app{"Loads an exproto codec the way exproto-host does, checks how it is built, and runs it through a "
               "checked lifecycle."};
  Options o;
  std::uint64_t seed = 0;
  app.add_option("codec", o.codec, "the codec library (.so)")->required()->check(CLI::ExistingFile);
  app.add_option("--config", o.config_json, "codec config given to on_codec_create: JSON text, or @FILE")
      ->capture_default_str();
  app.add_option("--corpus", o.corpus, "folder of device input files, each one a conversation")
      ->check(CLI::ExistingDirectory);
  app.add_option("--fuzz-seconds", o.fuzz_seconds, "how long to drive events")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("--sessions", o.sessions, "sessions open at the same time")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--seed", seed, "random seed (the report prints the one used; reuse it to replay a run)");
  app.add_option("--hang-seconds", o.hang_seconds, "a hook running longer than this counts as a hang")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_flag("--no-fork", o.no_fork, "run the lifecycle in this process (to debug the codec; a crash is fatal)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  o.seed = seed != 0 ? seed : std::random_device{}() | 1;

  Reporter out;
  out.line("codec", o.codec.string());
  if (!resolve_config(o, out)) return 2;
  report_elf(o.codec, out);
  const bool lifecycle_ok = run_lifecycle(o, out);
  const bool pass = lifecycle_ok && out.failures() == 0;
  out.line("result", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
