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

}  // namespace exproto::bench
