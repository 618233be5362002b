// exproto-host: the ExProto handler EMQX calls, with protocol codecs loaded from a folder.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "host/app/app.h"
#include "host/config/config.h"
#include "host/log/logging.h"

namespace {

// Blocks the stop signals in every thread (the mask is inherited), so that only sigwait sees them.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"exproto-host: EMQX ExProto handler with pluggable protocol codecs"};
  std::string config_file;
  bool check_only = false;
  cli.add_option("-c,--config", config_file, "JSON configuration file")->required();
  cli.add_flag("--check", check_only, "validate the configuration and load the codecs, then exit");
  CLI11_PARSE(cli, argc, argv);

  auto config = exproto::host::load_config(config_file);
  if (!config) {
    std::fprintf(stderr, "exproto-host: %s: %s\n", config_file.c_str(), config.error().c_str());
    return 2;
  }
  if (auto ok = exproto::host::configure_logging(config->log.level); !ok) {
    std::fprintf(stderr, "exproto-host: %s: %s\n", config_file.c_str(), ok.error().c_str());
    return 2;
  }
  const sigset_t signals = stop_signals();
  auto app = exproto::host::App::start(*config);
  if (!app) {
    spdlog::critical("cannot start: {}", app.error());
    return 1;
  }
  if (check_only) {
    spdlog::info("configuration and codecs OK");
    return 0;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {} received; stopping", sig);
  app->reset();
  spdlog::info("stopped");
  return 0;
}
