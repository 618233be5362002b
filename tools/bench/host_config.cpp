#include "host_config.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace exproto::bench {
namespace {

nlohmann::json read_base(const std::optional<std::filesystem::path>& base) {
  if (!base) return nlohmann::json::object();
  std::ifstream file(*base);
  if (!file) throw std::runtime_error("cannot read " + base->string());
  std::stringstream text;
  text << file.rdbuf();
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(base->string() + ": " + e.what());
  }
  if (!config.is_object()) throw std::runtime_error(base->string() + ": not a JSON object");
  return config;
}

}  // namespace

std::string make_native_host_config(const NativeHostConfigInputs& in) {
  nlohmann::json config = read_base(in.base_config);
  config.erase("handler");
  config.erase("adapter");
  config["mode"] = "native";
  config["mqtt"]["server"] = in.broker_address;
  if (in.keepalive_s > 0) config["mqtt"]["keepalive_s"] = in.keepalive_s;
  if (in.plugins_dir_given || !config.contains("plugins") || !config["plugins"].contains("dir"))
    config["plugins"]["dir"] = std::filesystem::absolute(in.plugins_dir).string();
  config["routes"] = nlohmann::json::array({{
      {"listener", {{"bind", "127.0.0.1:" + std::to_string(in.listener_port)}, {"socktype", "tcp"}}},
      {"codec", in.codec},
      {"config", nlohmann::json::object()},
  }});
  if (!config.contains("log")) config["log"]["level"] = in.log_level;
  return config.dump(2) + "\n";
}

std::string make_host_config(const HostConfigInputs& in) {
  nlohmann::json config = read_base(in.base_config);
  // one base file serves both modes' rounds in --compare-native: native-only keys go here
  config.erase("mode");
  config.erase("mqtt");
  config["handler"]["bind"] = in.handler_bind;
  config["adapter"]["address"] = in.adapter_address;
  if (in.plugins_dir_given || !config.contains("plugins") || !config["plugins"].contains("dir"))
    config["plugins"]["dir"] = std::filesystem::absolute(in.plugins_dir).string();
  if (!config.contains("routes")) {
    config["routes"] = nlohmann::json::array({{
        {"listener", {{"port", in.listener_port}, {"socktype", "tcp"}}},
        {"codec", in.codec},
        {"config", nlohmann::json::object()},
    }});
  }
  if (in.isolated) {
    for (auto& route : config["routes"]) route["isolation"] = "process";
  }
  if (!config.contains("log")) config["log"]["level"] = in.log_level;
  return config.dump(2) + "\n";
}

}  // namespace exproto::bench
