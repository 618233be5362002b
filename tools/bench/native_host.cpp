#include "native_host.h"

#include "device_protocol.h"

#include <fstream>
#include <stdexcept>

#include "free_port.h"
#include "host_config.h"
#include "tcp_ready.h"

namespace exproto::bench {

NativeHostSpec native_host_spec(const std::string& protocol, std::filesystem::path host_bin,
                                std::filesystem::path plugins_dir, bool plugins_dir_given,
                                std::optional<std::filesystem::path> base_config) {
  const auto devices = make_device_protocol(protocol, 0);
  if (!devices) throw std::runtime_error("unknown device protocol \"" + protocol + "\"");
  NativeHostSpec spec;
  spec.host_bin = std::move(host_bin);
  spec.plugins_dir = std::move(plugins_dir);
  spec.plugins_dir_given = plugins_dir_given;
  spec.codec = std::string(devices->codec());
  spec.base_config = std::move(base_config);
  return spec;
}

NativeHost::NativeHost(const NativeHostSpec& spec, const std::string& broker_address, const std::filesystem::path& dir,
                       const std::string& name)
    : port_(free_loopback_port()) {
  NativeHostConfigInputs inputs;
  inputs.broker_address = broker_address;
  inputs.listener_port = port_;
  inputs.plugins_dir = spec.plugins_dir;
  inputs.plugins_dir_given = spec.plugins_dir_given;
  inputs.codec = spec.codec;
  inputs.base_config = spec.base_config;
  inputs.keepalive_s = spec.keepalive_s;
  const auto config_file = dir / (name + ".json");
  {
    std::ofstream out(config_file);
    out << make_native_host_config(inputs);
    if (!out) throw std::runtime_error("cannot write " + config_file.string());
  }
  process_.emplace(std::vector<std::string>{spec.host_bin.string(), "--config", config_file.string()},
                   dir / (name + ".log"));
  if (!wait_until_accepting(port_, spec.ready_timeout_seconds, [this] { return process_->alive(); })) {
    const std::string how = process_->stop();
    throw std::runtime_error(name + " (" + spec.host_bin.string() + ", native mode) did not accept on 127.0.0.1:" +
                             std::to_string(port_) + " (" + how + "); its output:\n" + process_->log_tail());
  }
}

}  // namespace exproto::bench
