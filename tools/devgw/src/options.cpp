#include "devgw/options.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace exproto::devgw {

std::expected<ListenerSpec, std::string> parse_listener(std::string_view text) {
  ListenerSpec spec;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return std::unexpected("listener '" + std::string(text) + "' must look like tcp:HOST:PORT or udp:HOST:PORT");
  const auto kind = text.substr(0, colon);
  if (kind == "tcp") {
    spec.kind = SocketKind::tcp;
  } else if (kind == "udp") {
    spec.kind = SocketKind::udp;
  } else {
    return std::unexpected("listener '" + std::string(text) + "': unknown kind '" + std::string(kind) +
                           "' (tcp or udp)");
  }
  const auto address = text.substr(colon + 1);
  const auto last = address.rfind(':');
  if (last == std::string_view::npos || last == 0)
    return std::unexpected("listener '" + std::string(text) + "': missing HOST:PORT");
  auto host = address.substr(0, last);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port_text = address.substr(last + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return std::unexpected("listener '" + std::string(text) + "': bad port '" + std::string(port_text) + "'");
  spec.host = std::string(host);
  spec.port = static_cast<std::uint16_t>(port);
  return spec;
}

std::expected<AuthPolicy, std::string> parse_auth_policy(std::string_view json_text) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::unexpected("auth policy is not valid JSON");
  if (!doc.is_object()) return std::unexpected("auth policy must be a JSON object");
  AuthPolicy policy;
  for (const auto& [key, value] : doc.items()) {
    if (key == "clients" || key == "users") {
      if (!value.is_object()) return std::unexpected("auth policy: '" + key + "' must be an object of strings");
      auto& target = key == "clients" ? policy.clients : policy.users;
      for (const auto& [name, password] : value.items()) {
        if (!password.is_string())
          return std::unexpected("auth policy: " + key + "." + name + " must be a string password");
        target[name] = password.get<std::string>();
      }
    } else if (key == "deny_publish" || key == "deny_subscribe") {
      if (!value.is_array()) return std::unexpected("auth policy: '" + key + "' must be an array of topic filters");
      auto& target = key == "deny_publish" ? policy.deny_publish : policy.deny_subscribe;
      for (const auto& filter : value) {
        if (!filter.is_string()) return std::unexpected("auth policy: '" + key + "' entries must be strings");
        target.push_back(filter.get<std::string>());
      }
    } else {
      return std::unexpected("auth policy: unknown key '" + key +
                             "' (expected clients, users, deny_publish, deny_subscribe)");
    }
  }
  return policy;
}

std::expected<AuthPolicy, std::string> load_auth_policy(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read auth policy file '" + file.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  auto policy = parse_auth_policy(text.str());
  if (!policy) return std::unexpected(file.string() + ": " + policy.error());
  return policy;
}

}  // namespace exproto::devgw
