#include "host/mqtt/host_clientid.h"

#include <unistd.h>

#include <array>

#include <fmt/format.h>

namespace exproto::host::mqtt {

std::string host_clientid(const MqttConfig& cfg, uint64_t salt) {
  if (!cfg.host_clientid.empty()) return cfg.host_clientid;
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) name[0] = '\0';
  std::string id = cfg.clientid_prefix + "host-";
  // A host name is printable ASCII (RFC 1123); anything else is left out rather than sent.
  for (const char* c = name.data(); *c != '\0'; ++c) {
    if (static_cast<unsigned char>(*c) > 0x20 && static_cast<unsigned char>(*c) < 0x7F) id += *c;
  }
  id += '-';
  id += std::to_string(::getpid());
  id += fmt::format("-{:06x}", salt & 0xFFFFFF);
  return id;
}

}  // namespace exproto::host::mqtt
