#include "native_round.h"

#include <stdexcept>
#include <string>

#include "bench_report.h"
#include "device_protocol.h"
#include "mqtt_broker.h"
#include "native_host.h"
#include "socket_run.h"
#include "temp_dir.h"

namespace exproto::bench {

LoadResult bench_native_once(const CompareSettings& s, const char* label, int round, std::ostream& progress) {
  TempDir dir;
  MqttBroker broker(s.broker_bin, dir.path());
  NativeHostSpec spec = native_host_spec(s.load.protocol, s.host_bin, s.plugins_dir, s.plugins_dir_given, s.host_config);
  spec.ready_timeout_seconds = s.ready_timeout_seconds;
  NativeHost host(spec, broker.address(), dir.path(), "host");

  LoadSettings load = s.load;
  load.handler_pid = host.pid();
  load.broker_pid = broker.pid();
  LoadResult result;
  {
    SocketRun run(load, SocketTargets{{host.port()}, s.device_threads, true});
    result = measure_run(load, run, {});
  }
  result.label = label;
  result.round = round;

  const bool died = !host.process().alive();
  const std::string how = host.process().stop();
  progress << "round " << round << " " << label << ": " << round_summary(result) << "\n";
  if (died || (how != "exit 0" && how != "signal 15"))
    progress << "  " << label << " ended with " << how << "; its output:\n" << host.process().log_tail();
  return result;
}

}  // namespace exproto::bench
