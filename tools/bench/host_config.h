// Writes the exproto-host configuration a compare round needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace exproto::bench {

struct HostConfigInputs {
  std::string handler_bind;     // where the handler must serve, "127.0.0.1:<free port>"
  std::string adapter_address;  // the bench's ConnectionAdapter
  std::filesystem::path plugins_dir;
  bool plugins_dir_given = false;  // --plugins-dir on the command line beats the base file
  uint32_t listener_port = 7993;
  std::string codec = "jsonframe";
  std::optional<std::filesystem::path> base_config;  // --host-config: tuning (sessions, log...) to keep
  std::string log_level = "warn";  // unless the base file sets one; warn keeps per-frame logging out
  bool isolated = false;  // every route runs its codec in a codec-runner child ("isolation": "process")
};

// JSON text in the host's config format. handler.bind and adapter.address always come from the
// bench (they are per-round ports); plugins, routes and log come from the base file when it has
// them; `isolated` overrides each route's isolation. Throws std::runtime_error if the base file
// cannot be read or parsed.
std::string make_host_config(const HostConfigInputs& in);

// Native mode: the host owns the device listener and is an MQTT client of `broker_address`.
struct NativeHostConfigInputs {
  std::string broker_address;  // "127.0.0.1:<port>"
  uint16_t listener_port = 0;  // the device listener, on 127.0.0.1
  std::filesystem::path plugins_dir;
  bool plugins_dir_given = false;
  std::string codec = "jsonframe";
  std::optional<std::filesystem::path> base_config;  // tuning keys (sessions, log, mqtt.*) to keep
  uint32_t keepalive_s = 0;  // > 0: mqtt.keepalive_s (scale runs hold devices past one keepalive)
  std::string log_level = "warn";
};

// JSON text for "mode": "native". From the base file it keeps everything but the exproto-mode keys
// (handler, adapter) and routes (the bench's listener is the only route); its mqtt keys stay but
// mqtt.server is always the bench's broker. Throws std::runtime_error as make_host_config.
std::string make_native_host_config(const NativeHostConfigInputs& in);

}  // namespace exproto::bench
