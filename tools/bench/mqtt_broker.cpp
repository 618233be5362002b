#include "mqtt_broker.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "free_port.h"
#include "tcp_ready.h"

namespace exproto::bench {

std::filesystem::path MqttBroker::write_config(const std::filesystem::path& dir, uint16_t port) {
  const auto file = dir / "mosquitto.conf";
  std::ofstream out(file);
  // max_connections -1: the scale runs hold thousands of sessions. As root mosquitto would switch
  // to the user "mosquitto", which a build container may lack: stay whoever runs the bench.
  out << "listener " << port << " 127.0.0.1\n"
      << "allow_anonymous true\nmax_connections -1\npersistence false\n"
      << "log_dest stderr\nlog_type error\nlog_type warning\n"
      << (::getuid() == 0 ? "user root\n" : "");
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

MqttBroker::MqttBroker(const std::filesystem::path& binary, const std::filesystem::path& dir)
    : port_(free_loopback_port()),
      process_({binary.string(), "-c", write_config(dir, port_).string()}, dir / "broker.log") {
  if (!wait_until_accepting(port_, 10, [this] { return process_.alive(); }))
    throw std::runtime_error("mosquitto (" + binary.string() + ") did not accept on " + address() + " (" +
                             process_.stop() + "); its output:\n" + process_.log_tail());
}

}  // namespace exproto::bench
