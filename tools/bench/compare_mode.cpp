#include "compare_mode.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench_report.h"
#include "device_protocol.h"
#include "free_port.h"
#include "handler_process.h"
#include "host_config.h"
#include "native_round.h"
#include "readiness.h"
#include "reload_probe.h"
#include "temp_dir.h"

namespace exproto::bench {
namespace {

std::string codec_for(const std::string& protocol) {
  auto devices = make_device_protocol(protocol, 0);
  if (!devices) throw std::runtime_error("unknown device protocol \"" + protocol + "\"");
  return std::string(devices->codec());
}

struct Target {
  const char* label;
  const std::filesystem::path* bin;
  bool host = false;      // exproto-host (a config to write, reloads possible)
  bool isolated = false;  // its route in a codec-runner child
  bool native = false;    // native mode: devices over TCP, a real broker
};

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}


// One fresh handler process, one measured run, then SIGTERM: no state carries between rounds.
LoadResult bench_once(const CompareSettings& s, const Target& target, int round, uint32_t tag,
                      AdapterServer& adapter, std::ostream& progress) {
  if (target.native) return bench_native_once(s, target.label, round, progress);
  TempDir dir;
  std::string handler_address = "127.0.0.1:" + std::to_string(free_loopback_port());
  HostConfigInputs inputs;
  inputs.handler_bind = handler_address;
  inputs.adapter_address = adapter.address();
  inputs.plugins_dir = s.plugins_dir;
  inputs.plugins_dir_given = s.plugins_dir_given;
  inputs.listener_port = s.load.listener_port;
  inputs.codec = codec_for(s.load.protocol);
  inputs.base_config = s.host_config;
  inputs.isolated = target.isolated;
  std::optional<ReloadProbe> reload;
  if (s.reload_at_seconds >= 0 && target.host) {
    // a private plugins folder: the reload must not overwrite the build's codec files
    const auto plugins = dir.path() / "plugins";
    std::filesystem::create_directory(plugins);
    const auto file = std::string(inputs.codec) + ".so";
    std::filesystem::copy_file(s.plugins_dir / file, plugins / file);
    inputs.plugins_dir = plugins;
    inputs.plugins_dir_given = true;
    inputs.log_level = "info";  // the reload's timing is read from the host's log
    reload.emplace(plugins / file, s.reload_file);
  }
  auto config_file = dir.path() / "config.json";
  write_file(config_file, make_host_config(inputs));

  HandlerProcess process({target.bin->string(), "--config", config_file.string()}, dir.path() / "handler.log");
  if (!wait_until_serving(handler_address, s.ready_timeout_seconds, [&] { return process.alive(); })) {
    std::string how = process.stop();
    throw std::runtime_error(std::string(target.label) + " (" + target.bin->string() + ") did not serve " +
                             handler_address + " (" + how + "); its output:\n" + process.log_tail());
  }

  LoadSettings load = s.load;
  load.handler_address = handler_address;
  load.handler_pid = process.pid();
  load.run_tag = tag;
  std::string reload_failure;
  if (reload) {
    load.reload_at_seconds = s.reload_at_seconds;
    load.on_reload = [&reload, &reload_failure] {
      try {
        reload->install();
      } catch (const std::exception& e) {
        reload_failure = e.what();  // reported below; the run itself goes on
      }
    };
  }
  LoadResult result = run_load(load, adapter);
  result.label = target.label;
  result.round = round;

  bool died = !process.alive();
  std::string how = process.stop();
  if (reload) {  // after stop: everything the host logged is in the file
    const auto outcome = reload->read_outcome(dir.path() / "handler.log");
    result.reload_serving_seconds = outcome.landing_to_serving_seconds;
    result.reload_summary = reload_failure.empty() ? outcome.sessions : "the reload failed: " + reload_failure;
    result.reload_steps = outcome.steps;
    result.reload_migration = outcome.migration;
  }
  progress << "round " << round << " " << target.label << ": " << round_summary(result) << "\n";
  if (died || (how != "exit 0" && how != "signal 15"))
    progress << "  " << target.label << " ended with " << how << "; its output:\n" << process.log_tail();
  return result;
}

}  // namespace

std::vector<LoadResult> run_compare(const CompareSettings& s, AdapterServer& adapter, std::ostream& progress) {
  std::vector<Target> targets;
  if (s.native) {
    targets.push_back({"native", &s.host_bin, true, false, true});
  } else if (s.compare_native) {
    targets.push_back({"exproto", &s.host_bin, true, s.isolate});
    targets.push_back({"native", &s.host_bin, true, false, true});
  } else if (!s.other_host_bin.empty()) {
    targets.push_back({"host", &s.host_bin, true, s.isolate});
    targets.push_back({"other", &s.other_host_bin, true, s.isolate});
  } else {
    if (!s.host_only && !s.compare_isolation) targets.push_back({"baseline", &s.baseline_bin});
    targets.push_back({"host", &s.host_bin, true, s.isolate && !s.compare_isolation});
    if (s.compare_isolation) targets.push_back({"isolated", &s.host_bin, true, true});
  }
  for (const auto& t : targets)
    if (!std::filesystem::exists(*t.bin))
      throw std::runtime_error(std::string(t.label) + " executable not found: " + t.bin->string());

  std::vector<LoadResult> results;
  uint32_t tag = 0;
  for (int round = 1; round <= s.rounds; ++round)
    for (const auto& target : targets) results.push_back(bench_once(s, target, round, ++tag, adapter, progress));
  return results;
}

}  // namespace exproto::bench
