// exproto-host: the ExProto handler EMQX calls, with protocol codecs loaded from a folder.
//   exproto-host -c config.json [--check]         run (SIGHUP re-reads the routes, SIGINT/SIGTERM stop)
//   exproto-host --config-schema                  the config file's JSON Schema (editors, CI checks)
//   exproto-host ctl [--admin ADDR] [--json] <command>  talk to a running host's admin endpoint
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "host/admin/ctl.h"
#include "host/app/app.h"
#include "host/app/grpc_runtime.h"
#include "host/app/route_reload_thread.h"
#include "host/app/service_notify.h"
#include "host/config/config.h"
#include "host/isolation/runner_main.h"
#include "host/log/logging.h"

namespace {

// Blocks the signals the main thread waits for in every thread (the mask is inherited), so that
// only sigwait sees them.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"exproto-host: EMQX ExProto handler with pluggable protocol codecs"};
  std::string config_file;
  bool check_only = false;
  cli.add_option("-c,--config", config_file, "JSON configuration file");
  cli.add_flag("--check", check_only, "validate the configuration and load the codecs, then exit");
  bool print_schema = false;
  cli.add_flag("--config-schema", print_schema, "print the JSON Schema of the configuration file and exit");
  auto* ctl = cli.add_subcommand("ctl", "control a running host through its admin endpoint (config admin.socket or admin.bind)");
  std::string admin_address = exproto::host::kDefaultAdminSocket;
  std::vector<std::string> command;
  ctl->add_option("--admin", admin_address, "admin endpoint: Unix socket path (admin.socket) or host:port (admin.bind)")
      ->capture_default_str();
  bool json = false;
  ctl->add_flag("--json", json, "status as JSON (the admin service's StatusReply), for scripts");
  ctl->add_option("command", command, "status | metrics | reload <codec> | rollback <codec>")->required();
  // The child process of an isolated route (routes[].isolation = "process"); started by the host only.
  auto* runner = cli.add_subcommand("codec-runner", "")->group("");
  exproto::host::RunnerOptions runner_options;
  runner->add_option("--library", runner_options.library)->required();
  runner->add_option("--sha256", runner_options.sha256);
  runner->add_option("--work-dir", runner_options.work_dir);
  runner->add_option("--channels", runner_options.channels)->required();
  runner->add_option("--log-level", runner_options.log_level);
  runner->add_option("--log-format", runner_options.log_format);
  runner->add_option("--label", runner_options.label);
  CLI11_PARSE(cli, argc, argv);

  exproto::host::tune_grpc_runtime();
  if (runner->parsed()) return exproto::host::run_codec_runner(runner_options);
  if (print_schema) {
    std::printf("%s\n", exproto::host::config_schema().dump(2).c_str());
    return 0;
  }
  if (ctl->parsed()) return exproto::host::run_ctl(admin_address, command, json);
  if (config_file.empty()) {
    std::fprintf(stderr, "exproto-host: --config is required (or use the ctl command)\n");
    return 2;
  }

  auto config = exproto::host::load_config(config_file);
  if (!config) {
    std::fprintf(stderr, "exproto-host: %s: %s\n", config_file.c_str(), config.error().c_str());
    return 2;
  }
  if (auto ok = exproto::host::configure_logging(config->log.level, config->log.format); !ok) {
    std::fprintf(stderr, "exproto-host: %s: %s\n", config_file.c_str(), ok.error().c_str());
    return 2;
  }
  const sigset_t signals = handled_signals();
  auto app = exproto::host::App::start(*config);
  if (!app) {
    spdlog::critical("cannot start: {}", app.error());
    return 1;
  }
  if (check_only) {
    spdlog::info("configuration and codecs OK");
    return 0;
  }
  exproto::host::ServiceNotifier systemd([&app](std::chrono::milliseconds within) { return (*app)->responsive(within); });
  std::optional<exproto::host::RouteReloadThread> sighup;
  sighup.emplace(config_file, **app, [&systemd](bool starting) {
    if (starting) {
      systemd.reloading();
    } else {
      systemd.ready("routes reloaded");
    }
  });
  systemd.ready(fmt::format("serving ExProto on port {}", (*app)->handler_port()));
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    sighup->request();
  }
  systemd.stopping();
  const uint32_t grace_ms = config->shutdown.grace_ms;
  spdlog::info("signal {} received; stopping (shutdown.grace_ms {})", sig, grace_ms);
  // The stop itself is bounded: whatever hangs (a codec hook, a codec load on the SIGHUP thread),
  // the process ends a little after the grace period, with the reason in the log.
  std::thread([grace_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(grace_ms) + std::chrono::seconds(5));
    spdlog::error("stop did not finish {} ms after the grace period; exiting now", 5000);
    spdlog::shutdown();
    std::_Exit(0);
  }).detach();
  if (!(*app)->stop()) {
    spdlog::error("stopped with a codec hook still running; exiting without unloading codecs");
    spdlog::shutdown();
    std::_Exit(0);
  }
  sighup.reset();
  systemd.stop_watchdog();  // it asks the app, which goes next
  app->reset();
  spdlog::info("stopped");
  return 0;
}
