// Numeric IP addresses and ranges, for the rules that must not depend on DNS: a bind counts as
// loopback only when it is a loopback literal, and handler.allow_peers matches the address gRPC
// reports for a caller. Names are never resolved here; a name is simply "not an address".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exproto::host {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool operator==(const IpAddress&) const = default;
};

// "127.0.0.1", "::1", "[::1]" (brackets allowed, as in host:port). An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) is returned as IPv4, so
// one rule covers both ways the same peer can appear.
std::optional<IpAddress> parse_ip(std::string_view text);

bool is_loopback(const IpAddress& a);  // 127.0.0.0/8 or ::1

// An address with a prefix length: "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128.
struct IpRange {
  IpAddress base;
  uint32_t prefix = 0;
  std::string text;  // as configured, for log lines
  bool contains(const IpAddress& a) const;
};

// Refuses host bits set past the prefix ("10.0.0.1/8"): that is a typo more often than intent.
std::optional<IpRange> parse_ip_range(std::string_view text);

// The host of "host:port" (brackets stripped); empty when there is no port separator.
std::string_view host_of(std::string_view host_port);

// True only for a loopback literal: "127.0.0.1:9001", "127.3.4.5:0", "[::1]:9002". A name
// ("localhost", "127.evil.example") is false whatever it would resolve to.
bool is_numeric_loopback(std::string_view host_port);

// The address in a gRPC peer string ("ipv4:10.0.0.1:5000", "ipv6:[::1]:5000"); nullopt for
// anything else (unix:, unparseable).
std::optional<IpAddress> peer_address(std::string_view grpc_peer);

}  // namespace exproto::host
