#include "host/isolation/runner_main.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "host/isolation/child_process.h"
#include "host/isolation/ipc_frame.h"
#include "host/isolation/runner_hooks.h"
#include "host/isolation/runner_host_api.h"
#include "host/log/json_formatter.h"
#include "host/log/logging.h"
#include "host/registry/codec_library.h"

namespace exproto::host {

namespace {

bool answer_created(ipc::Channel& control, int32_t status, const std::string& reason) {
  ipc::FrameWriter f(ipc::Op::created);
  f.i32(status).str(reason);
  return control.write(f.finish());
}

// Waits for the host's `create` and returns the route config; the child exits if the host is gone.
std::string read_create(ipc::Channel& control) {
  std::string_view body;
  if (control.read(body) != ipc::Channel::Read::frame) std::_Exit(0);
  ipc::FrameReader r(body);
  const auto op = r.op();
  const std::string config(r.str());
  if (op != ipc::Op::create || !r.complete()) std::_Exit(3);
  return config;
}

// The host's format, with what says which child wrote the line: in text a prefix, in JSON the
// fields codec, route ("<codec>@<route>" split) and pid on every line.
void configure_runner_lines(const RunnerOptions& o) {
  const auto at = o.label.find('@');
  const std::string codec = o.label.substr(0, at);
  const std::string route = at == std::string::npos ? std::string() : o.label.substr(at + 1);
  if (o.log_format == "json") {
    spdlog::set_formatter(std::make_unique<JsonFormatter>(
        JsonFormatter::Fields{{"codec", codec}, {"route", route}, {"pid", std::to_string(::getpid())}}));
    return;
  }
  // Under systemd the journal stamps the time itself, as configure_logging does for the host.
  spdlog::set_pattern(fmt::format("{}[codec-runner {} pid {}] %v",
                                  writing_to_journal() ? "%-5l " : "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ ", o.label,
                                  ::getpid()));
}

}  // namespace

int run_codec_runner(const RunnerOptions& o) {
  // Only our own pipes: nothing else the host had open (without close-on-exec) stays reachable.
  ::closefrom(runner_channel_fd(o.channels));
  // The host blocks its shutdown signals in every thread and the mask survives exec. Terminal
  // signals to the process group are the host's to act on; a SIGTERM sent to this pid ends it.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  // A write to a pipe whose host end is gone fails (EPIPE) and the child exits on its own terms.
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  ::pthread_sigmask(SIG_SETMASK, &none, nullptr);

  if (auto ok = configure_logging(o.log_level, o.log_format); !ok) return 2;
  configure_runner_lines(o);

  ipc::Channel control{UniqueFd(kRunnerControlFd), UniqueFd(kRunnerControlFd + 1), false};
  auto library = CodecLibrary::load(o.library, o.work_dir, runner::runner_host_api());
  if (library && !o.sha256.empty() && (*library)->sha256() != o.sha256) {
    library = std::unexpected("its bytes changed since the host loaded them (sha256 " + (*library)->sha256() +
                              ", host has " + o.sha256 + ")");
  }
  const std::string config = read_create(control);
  if (!library) {
    answer_created(control, EXPROTO_STATUS_ERROR, library.error());
    return 1;
  }
  const auto& d = (*library)->descriptor();
  runner::RunnerCodec log_handle((*library)->name());
  exproto_type_codec_codec_ptr instance = nullptr;
  // No exception barrier: a codec that throws here dies like one that throws in a hook, and the
  // host reports how the child ended.
  const exproto_type_status st = d.on_codec_create(runner::runner_host_api(), &log_handle,
                                                   exproto_type_str{config.data(), config.size()}, &instance);
  const std::string reason = log_handle.end_creation();
  if (!answer_created(control, st, reason) || st != EXPROTO_STATUS_OK) return 1;

  std::vector<ipc::Channel> channels;
  channels.reserve(o.channels);
  for (std::size_t i = 0; i < o.channels; ++i) {
    channels.emplace_back(UniqueFd(runner_channel_fd(i)), UniqueFd(runner_channel_fd(i) + 1), false);
  }
  std::vector<std::jthread> threads;
  for (auto& c : channels) threads.emplace_back([&c, &d, instance] { runner::serve_hooks(c, d, instance); });

  // The control link only ever carries `destroy`, or closes when the host is gone.
  std::string_view body;
  if (control.read(body) == ipc::Channel::Read::frame && ipc::FrameReader(body).op() == ipc::Op::destroy) {
    d.on_codec_destroy(instance);
  }
  spdlog::default_logger()->flush();
  // Hook threads sit in read; nothing of theirs needs unwinding.
  std::_Exit(0);
}

}  // namespace exproto::host
