#include "host/config/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace exproto::host {

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (::inet_pton(AF_INET, buf, a.bytes.data()) == 1) return a;
  if (::inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    return v4;
  }
  a.v6 = true;
  return a;
}

bool is_loopback(const IpAddress& a) {
  if (!a.v6) return a.bytes[0] == 127;
  static constexpr std::array<uint8_t, 16> kOne = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return a.bytes == kOne;
}

bool IpRange::contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  uint32_t bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i) {
    const uint32_t take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<uint8_t>(0xFF << (8 - take));
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<IpRange> parse_ip_range(std::string_view text) {
  IpRange r;
  r.text = std::string(text);
  const auto slash = text.find('/');
  const auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  r.base = *ip;
  const uint32_t max = ip->v6 ? 128 : 32;
  r.prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), r.prefix);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || r.prefix > max) return std::nullopt;
  }
  // The base must be the range's first address.
  for (uint32_t bit = r.prefix; bit < max; ++bit) {
    if ((r.base.bytes[bit / 8] >> (7 - bit % 8)) & 1) return std::nullopt;
  }
  return r;
}

std::string_view host_of(std::string_view host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos) return {};
  std::string_view host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool is_numeric_loopback(std::string_view host_port) {
  const auto ip = parse_ip(host_of(host_port));
  return ip && is_loopback(*ip);
}

std::optional<IpAddress> peer_address(std::string_view grpc_peer) {
  std::string_view rest;
  if (grpc_peer.starts_with("ipv4:")) {
    rest = grpc_peer.substr(5);
  } else if (grpc_peer.starts_with("ipv6:")) {
    rest = grpc_peer.substr(5);
  } else {
    return std::nullopt;
  }
  // gRPC may percent-encode the IPv6 brackets ("ipv6:%5B::1%5D:5000").
  std::string decoded;
  if (rest.find('%') != std::string_view::npos) {
    decoded = std::string(rest);
    for (auto [from, to] : {std::pair{"%5B", "["}, std::pair{"%5D", "]"}, std::pair{"%5b", "["},
                            std::pair{"%5d", "]"}}) {
      for (auto pos = decoded.find(from); pos != std::string::npos; pos = decoded.find(from)) {
        decoded.replace(pos, 3, to);
      }
    }
    rest = decoded;
  }
  const std::string_view host = host_of(rest);
  if (host.empty()) return std::nullopt;
  return parse_ip(host);
}

}  // namespace exproto::host
