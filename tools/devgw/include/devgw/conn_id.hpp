// EMQX-style `conn` identifiers: base64 of an Erlang external-term pid (spec §6).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace exproto::devgw {

/// An Erlang NEW_PID_EXT: node name atom, ID, Serial, Creation.
struct ErlangPid {
  std::string node;
  std::uint32_t id = 0;
  std::uint32_t serial = 0;
  std::uint32_t creation = 0;
  bool operator==(const ErlangPid&) const = default;
};

/// base64(131, 88, ATOM_EXT node, ID:32, Serial:32, Creation:32) — the OTP 25 encoding.
std::string encode_conn_id(const ErlangPid& pid);

/// Inverse of encode_conn_id; also accepts SMALL_ATOM_UTF8_EXT node names (OTP 26+).
/// Anything else (bad base64, other terms, trailing bytes) is an error.
std::expected<ErlangPid, std::string> decode_conn_id(std::string_view conn);

std::string base64_encode(std::string_view bytes);
std::expected<std::string, std::string> base64_decode(std::string_view text);

}  // namespace exproto::devgw
