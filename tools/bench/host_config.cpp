#include "host_config.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace exproto::bench {

std::string make_host_config(const HostConfigInputs& in) {
  nlohmann::json config = nlohmann::json::object();
  if (in.base_config) {
    std::ifstream file(*in.base_config);
    if (!file) throw std::runtime_error("cannot read " + in.base_config->string());
    std::stringstream text;
    text << file.rdbuf();
    try {
      config = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(in.base_config->string() + ": " + e.what());
    }
    if (!config.is_object()) throw std::runtime_error(in.base_config->string() + ": not a JSON object");
  }
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
