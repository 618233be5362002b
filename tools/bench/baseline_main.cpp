// exproto-bench-baseline: the plugin-free comparison handler. Runs until SIGTERM or SIGINT.
// Accepts the host's own config file (--config), so compare mode can start it exactly like
// exproto-host; only handler.bind, adapter.address and adapter.channels are read.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <fstream>
#include <iostream>

#include "baseline_handler.h"

namespace {

using exproto::bench::baseline::BaselineSettings;

void apply_config_file(const std::string& file, BaselineSettings& s) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  auto config = nlohmann::json::parse(in);
  s.bind = config.at("handler").at("bind").get<std::string>();
  s.adapter = config.at("adapter").at("address").get<std::string>();
  if (config["adapter"].contains("channels")) s.adapter_channels = config["adapter"]["channels"].get<int>();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exproto-bench-baseline: minimal jsonframe ConnectionUnaryHandler without a plugin layer"};
  BaselineSettings settings;
  std::string config_file;
  auto* config = app.add_option("--config", config_file, "exproto-host style JSON config");
  app.add_option("--bind", settings.bind, "handler address to serve")->capture_default_str()->excludes(config);
  app.add_option("--adapter", settings.adapter, "ConnectionAdapter address")->capture_default_str()->excludes(config);
  app.add_option("--adapter-channels", settings.adapter_channels, "HTTP/2 connections to the adapter")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Blocked before gRPC starts its threads, so they inherit the mask and only sigwait sees these.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    if (!config_file.empty()) apply_config_file(config_file, settings);
    exproto::bench::baseline::BaselineHandler handler(settings);
    std::cerr << "baseline handler serving on " << settings.bind << ", adapter " << settings.adapter << "\n";
    int signal = 0;
    sigwait(&stop_signals, &signal);
  } catch (const std::exception& e) {
    std::cerr << "exproto-bench-baseline: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
