#include "native_round.h"

#include <fstream>
#include <stdexcept>
#include <string>

#include "bench_report.h"
#include "device_protocol.h"
#include "free_port.h"
#include "handler_process.h"
#include "host_config.h"
#include "mqtt_broker.h"
#include "socket_run.h"
#include "tcp_ready.h"
#include "temp_dir.h"

namespace exproto::bench {

LoadResult bench_native_once(const CompareSettings& s, const char* label, int round, std::ostream& progress) {
  TempDir dir;
  MqttBroker broker(s.broker_bin, dir.path());
  const auto devices = make_device_protocol(s.load.protocol, 0);
  if (!devices) throw std::runtime_error("unknown device protocol \"" + s.load.protocol + "\"");

  NativeHostConfigInputs inputs;
  inputs.broker_address = broker.address();
  inputs.listener_port = free_loopback_port();
  inputs.plugins_dir = s.plugins_dir;
  inputs.plugins_dir_given = s.plugins_dir_given;
  inputs.codec = std::string(devices->codec());
  inputs.base_config = s.host_config;
  const auto config_file = dir.path() / "config.json";
  {
    std::ofstream out(config_file);
    out << make_native_host_config(inputs);
    if (!out) throw std::runtime_error("cannot write " + config_file.string());
  }

  HandlerProcess host({s.host_bin.string(), "--config", config_file.string()}, dir.path() / "host.log");
  if (!wait_until_accepting(inputs.listener_port, s.ready_timeout_seconds, [&] { return host.alive(); })) {
    const std::string how = host.stop();
    throw std::runtime_error(std::string(label) + " (" + s.host_bin.string() + ", native mode) did not accept on 127.0.0.1:" +
                             std::to_string(inputs.listener_port) + " (" + how + "); its output:\n" + host.log_tail());
  }

  LoadSettings load = s.load;
  load.handler_pid = host.pid();
  load.broker_pid = broker.pid();
  LoadResult result;
  {
    SocketRun run(load, SocketTargets{{inputs.listener_port}, s.device_threads, true});
    result = measure_run(load, run, {});
  }
  result.label = label;
  result.round = round;

  const bool died = !host.alive();
  const std::string how = host.stop();
  progress << "round " << round << " " << label << ": " << round_summary(result) << "\n";
  if (died || (how != "exit 0" && how != "signal 15"))
    progress << "  " << label << " ended with " << how << "; its output:\n" << host.log_tail();
  return result;
}

}  // namespace exproto::bench
