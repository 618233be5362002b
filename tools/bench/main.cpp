// exproto-bench: plays EMQX's ExProto gateway at full speed against a ConnectionUnaryHandler and
// reports frames/s, per-frame latency and adapter calls/s. See README.md for how to read it.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "adapter_server.h"
#include "bench_report.h"
#include "compare_mode.h"
#include "load_driver.h"
#include "native_scale.h"

namespace {

using namespace exproto::bench;

std::filesystem::path next_to_self(const char* name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(name) : self.parent_path() / name;
}

struct Cli {
  LoadSettings load;
  bool compare = false;
  bool host_only = false;
  bool json = false;
  int rounds = 0;  // 0: 1 for one handler, 3 for compare
  std::string adapter_bind;
  int adapter_threads = 2;
  int adapter_max_streams = 100;
  std::string host_bin = "build/host/exproto-host";
  std::string baseline_bin = next_to_self("exproto-bench-baseline").string();
  std::string plugins_dir = "build/plugins";
  std::string host_config;
  double reload_at = -1;
  std::string reload_file;
  bool isolate = false;
  bool compare_isolation = false;
  std::string other_host_bin;
  bool native = false;
  bool compare_native = false;
  std::string broker_bin = "/usr/sbin/mosquitto";
  std::size_t device_threads = 1;
  std::vector<std::size_t> idle_fleet;
  std::size_t connect_burst = 0;
  std::size_t hosts = 1;
  uint32_t mqtt_keepalive = 10;
  double hold = -1;
  double login_timeout = 120;
};

void add_options(CLI::App& app, Cli& cli) {
  cli.load.handler_address = "127.0.0.1:9001";
  auto* handler = app.add_option("--handler", cli.load.handler_address, "handler under test (host:port)")
                      ->capture_default_str();
  auto* compare = app.add_flag("--compare", cli.compare,
                               "start the baseline and exproto-host in turn and compare them");
  auto* host_only = app.add_flag("--host-only", cli.host_only,
                                 "start exproto-host alone for each round (no baseline; any --protocol)");
  handler->excludes(compare);
  handler->excludes(host_only);
  compare->excludes(host_only);
  app.add_option("--protocol", cli.load.protocol,
                 "what the devices speak: jsonframe (CONNECT, PUBLISH/PUBACK) or jt808 (register + "
                 "authenticate, then 0x0200 location reports acknowledged by 0x8001)")
      ->capture_default_str()->check(CLI::IsMember({"jsonframe", "jt808"}));
  app.add_option("--conns", cli.load.conns, "simulated device connections")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seconds", cli.load.seconds, "measured window per run")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--rate", cli.load.rate,
                 "open loop: frames/s over all conns, each at a fixed scheduled time, latency measured from it "
                 "(EMQX's pace: one frame in flight per device); 0 = closed loop, full speed")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--warmup", cli.load.warmup_seconds, "publishing before the window opens")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--payload-bytes", cli.load.payload_bytes, "PUBLISH payload size")->capture_default_str();
  app.add_option("--pipeline", cli.load.pipeline, "frames outstanding per conn (sent, not yet PUBACKed)")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--rounds", cli.rounds, "runs per handler (default 1; 3 with --compare)")->check(CLI::Range(1, 100));
  app.add_option("--channels", cli.load.channels, "HTTP/2 connections to the handler")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--listener-port", cli.load.listener_port, "ConnInfo.sockname.port sent in OnSocketCreated")->capture_default_str();
  app.add_option("--adapter-bind", cli.adapter_bind,
                 "where the bench serves ConnectionAdapter (default 127.0.0.1:9100; --compare: a free port)");
  app.add_option("--adapter-threads", cli.adapter_threads, "completion-queue threads answering adapter calls")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--adapter-max-streams", cli.adapter_max_streams,
                 "concurrent adapter calls per HTTP/2 connection, as EMQX's cowboy server (0 = gRPC's default)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--host-bin", cli.host_bin, "exproto-host executable (--compare)")->capture_default_str();
  app.add_option("--baseline-bin", cli.baseline_bin, "baseline handler executable (--compare)")->capture_default_str();
  app.add_option("--plugins-dir", cli.plugins_dir, "codec folder for the host (--compare)")->capture_default_str();
  app.add_option("--host-config", cli.host_config,
                 "base host config (--compare); the bench overrides handler.bind and adapter.address");
  app.add_option("--handler-pid", cli.load.handler_pid, "with --handler: that process's pid, to report its CPU")
      ->excludes(compare)->excludes(host_only);
  auto* reload_at = app.add_option("--reload-at", cli.reload_at,
                                   "with --host-only: replace the codec file this many seconds into each window "
                                   "(rename into a private plugins folder) and report the dip per second")
                        ->check(CLI::NonNegativeNumber);
  reload_at->needs(host_only);
  app.add_option("--reload-file", cli.reload_file,
                 "the new codec build for --reload-at (default: the same file with bytes appended, a rebuild)")
      ->needs(reload_at)->check(CLI::ExistingFile);
  app.add_option("--timeline-step", cli.load.timeline_step_seconds, "seconds per step of the window's timeline")
      ->capture_default_str()->check(CLI::Range(0.05, 60.0));
  app.add_flag("--isolate", cli.isolate,
               "run the host's route in a codec-runner child (routes[].isolation = process)");
  app.add_flag("--compare-isolation", cli.compare_isolation,
               "host rounds alternating the route in process (host) and isolated (isolated), no baseline");
  auto* builds = app.add_option("--compare-builds", cli.other_host_bin,
                                 "host rounds alternating --host-bin (host) and this other exproto-host build "
                                 "(other), no baseline; prints other/host ratios")
                     ->check(CLI::ExistingFile);
  for (auto* other : {handler, compare, host_only}) builds->excludes(other);
  auto* native = app.add_flag("--native", cli.native,
                              "rounds of exproto-host in native mode: a fresh mosquitto as the broker, the devices "
                              "over real TCP sockets into the host's own listener (any --protocol)");
  auto* compare_native = app.add_flag("--compare-native", cli.compare_native,
                                      "alternate the host in exproto mode (behind the bench's adapter) and in native "
                                      "mode (with mosquitto) on the same devices; prints native/exproto ratios");
  for (auto* other : {handler, compare, host_only}) {
    native->excludes(other);
    compare_native->excludes(other);
  }
  native->excludes(compare_native);
  builds->excludes(native);
  builds->excludes(compare_native);
  app.add_option("--broker-bin", cli.broker_bin, "mosquitto executable for native mode")->capture_default_str();
  app.add_option("--device-threads", cli.device_threads, "native mode: epoll threads running the devices' sockets")
      ->capture_default_str()->check(CLI::Range(1, 16));
  auto* idle = app.add_option("--idle-fleet", cli.idle_fleet,
                              "native mode at scale: hold this many idle logged-in devices, step by step "
                              "(e.g. 2000,4000,8000), and report host memory, fds and kernel slab per device")
                   ->delimiter(',')->check(CLI::PositiveNumber);
  auto* burst = app.add_option("--connect-burst", cli.connect_burst,
                               "native mode at scale: this many devices connect at once; time until the last "
                               "login is acknowledged")
                    ->check(CLI::PositiveNumber);
  for (auto* scale : {idle, burst})
    for (auto* other : {handler, compare, host_only, native, compare_native}) scale->excludes(other);
  idle->excludes(burst);
  app.add_option("--hosts", cli.hosts, "--idle-fleet/--connect-burst: native hosts behind the one broker")
      ->capture_default_str()->check(CLI::Range(1, 8));
  app.add_option("--mqtt-keepalive", cli.mqtt_keepalive, "--idle-fleet/--connect-burst: the hosts' mqtt.keepalive_s")
      ->capture_default_str()->check(CLI::Range(1, 65535));
  app.add_option("--hold", cli.hold, "--idle-fleet: seconds each step is held idle (default 1.6 x --mqtt-keepalive)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--login-timeout", cli.login_timeout, "--idle-fleet/--connect-burst: seconds the logins may take")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--json", cli.json, "print JSON instead of the table");
}

int run_scale(const Cli& cli, const CLI::App& app) {
  ScaleSettings s;
  s.protocol = cli.load.protocol;
  s.idle_steps = cli.idle_fleet;
  std::sort(s.idle_steps.begin(), s.idle_steps.end());
  s.burst = cli.connect_burst;
  s.hosts = cli.hosts;
  s.keepalive_s = cli.mqtt_keepalive;
  s.hold_seconds = cli.hold;
  s.login_timeout_seconds = cli.login_timeout;
  s.device_threads = cli.device_threads;
  s.host_bin = cli.host_bin;
  s.plugins_dir = cli.plugins_dir;
  s.plugins_dir_given = app.count("--plugins-dir") > 0;
  s.broker_bin = cli.broker_bin;
  if (!cli.host_config.empty()) s.host_config = cli.host_config;
  return s.burst > 0 ? run_connect_burst(s, std::cout, std::cerr) : run_idle_fleet(s, std::cout, std::cerr);
}

std::vector<LoadResult> run_one_handler(const Cli& cli, AdapterServer& adapter, int rounds) {
  std::vector<LoadResult> results;
  for (int round = 1; round <= rounds; ++round) {
    LoadSettings load = cli.load;
    // pid in the conn ids: a long-lived handler never mixes conns of two bench invocations
    load.run_tag = (static_cast<uint32_t>(::getpid()) << 8) + static_cast<uint32_t>(round);
    results.push_back(run_load(load, adapter));
    results.back().label = "handler";
    results.back().round = round;
    std::cerr << "round " << round << ": " << results.back().frames_per_second << " frames/s\n";
  }
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exproto-bench: plays EMQX against an ExProto ConnectionUnaryHandler and measures it"};
  Cli cli;
  add_options(app, cli);
  CLI11_PARSE(app, argc, argv);

  try {
    if (!cli.idle_fleet.empty() || cli.connect_burst > 0) return run_scale(cli, app);
    if (cli.compare && cli.load.protocol != "jsonframe")
      throw std::invalid_argument("the baseline speaks jsonframe only; use --host-only for --protocol " +
                                  cli.load.protocol);
    bool spawn = cli.compare || cli.host_only || cli.compare_isolation || cli.native || cli.compare_native ||
                 !cli.other_host_bin.empty();
    std::string bind = !cli.adapter_bind.empty() ? cli.adapter_bind : spawn ? "127.0.0.1:0" : "127.0.0.1:9100";
    AdapterServer adapter(bind, cli.adapter_threads, cli.adapter_max_streams);
    std::cerr << "adapter serving on " << adapter.address() << "\n";
    std::vector<LoadResult> results;
    if (spawn) {
      CompareSettings s;
      s.host_only = cli.host_only;
      s.isolate = cli.isolate;
      s.compare_isolation = cli.compare_isolation;
      s.native = cli.native;
      s.compare_native = cli.compare_native;
      s.broker_bin = cli.broker_bin;
      s.device_threads = cli.device_threads;
      s.reload_at_seconds = cli.reload_at;
      s.reload_file = cli.reload_file;
      s.load = cli.load;
      s.rounds = cli.rounds > 0 ? cli.rounds : 3;
      s.host_bin = cli.host_bin;
      s.other_host_bin = cli.other_host_bin;
      s.baseline_bin = cli.baseline_bin;
      s.plugins_dir = cli.plugins_dir;
      s.plugins_dir_given = app.count("--plugins-dir") > 0;
      if (!cli.host_config.empty()) s.host_config = cli.host_config;
      results = run_compare(s, adapter, std::cerr);
    } else {
      results = run_one_handler(cli, adapter, cli.rounds > 0 ? cli.rounds : 1);
    }
    if (cli.json)
      print_json(std::cout, cli.load, results);
    else
      print_table(std::cout, cli.load, results);
    // make scripts notice a run that measured nothing or whose numbers mean nothing
    for (const auto& r : results) {
      if (r.conns_connected == 0 || r.frames == 0) return 2;
      if (r.errors() != 0) return 3;
      if (cli.reload_at >= 0 && (r.label == "host" || r.label == "isolated") && r.reload_serving_seconds < 0) return 4;  // no reload seen
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "exproto-bench: " << e.what() << "\n";
    return 1;
  }
}
