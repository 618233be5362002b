// Hex helpers for byte-level vectors.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jt808test {

/// "7e 01 02" or "7e0102" -> bytes as a string (spaces ignored).
inline std::string unhex(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (const char c : hex) {
    if (c == ' ') continue;
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) throw std::invalid_argument("bad hex");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd hex");
  return out;
}

inline std::vector<std::uint8_t> unhex_bytes(std::string_view hex) {
  const auto s = unhex(hex);
  return {s.begin(), s.end()};
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

inline std::string hex(std::span<const std::uint8_t> bytes) {
  return hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Frames built by make_vectors.py (an independent reference implementation).
namespace vec {
inline constexpr const char* register13 = "7e0100002b0138001380000000002c012c454d5158314d310000000000000000000000000000000000004431323300000001414243313233c87e";
inline constexpr const char* register_ack13 = "7e8100000c0138001380000000000000616e6f6e796d6f7573547e";
inline constexpr const char* auth13 = "7e010200090138001380000001616e6f6e796d6f7573d27e";
inline constexpr const char* auth_ack13 = "7e80010005013800138000000100010102002d7e";
inline constexpr const char* location13 = "7e020000250138001380000002000000010000000201dc9a07073d4d95000c0258005a23112203150001040000006430011f6b7e";
inline constexpr const char* location_ack13 = "7e80010005013800138000000200020200002c7e";
inline constexpr const char* text13 = "7e8300000601380013800000030168656c6c6f4f7e";
inline constexpr const char* text_ack13 = "7e00010005013800138000000300038300002d7e";
inline constexpr const char* register19 = "7e0100405d01000000000138001380000000002c012c454d5158000000000000004d4f44454c2d323031390000000000000000000000000000000000000000444556310000000000000000000000000000000000000000000000000000004c5356414d343138374332313834383437817e";
inline constexpr const char* register_ack19 = "7e8100400c01000000000138001380000000000000616e6f6e796d6f7573157e";
inline constexpr const char* auth19 = "7e0102402d0100000000013800138000000109616e6f6e796d6f7573313233343536373839303132333435312e302e30000000000000000000000000000000bf7e";
inline constexpr const char* auth_ack19 = "7e800140050100000000013800138000000100010102006c7e";
inline constexpr const char* location19 = "7e0200402501000000000138001380000002000000010000000201dc9a07073d4d95000c0258005a23112203150001040000006430011f2a7e";
inline constexpr const char* location_ack19 = "7e800140050100000000013800138000000200020200006d7e";
inline constexpr const char* text19 = "7e8300400701000000000138001380000003010168656c6c6f0e7e";
inline constexpr const char* text_ack19 = "7e000140050100000000013800138000000300038300006c7e";
inline constexpr const char* escaped13 = "7e090000040138001380007d027d017d027d017d0201d87e";
inline constexpr const char* pkg1_13 = "7e09002006013800138000000a00020001410102030405cc7e";
inline constexpr const char* pkg2_13 = "7e09002005013800138000000b00020002060708090a877e";
inline constexpr const char* pkg_ack1_13 = "7e800100050138001380000003000a0900002e7e";
inline constexpr const char* pkg_ack2_13 = "7e800100050138001380000004000b090000287e";
inline constexpr const char* heartbeat13 = "7e000200000138001380000004ac7e";
inline constexpr const char* heartbeat_ack13 = "7e80010005013800138000000300040002002b7e";
inline constexpr const char* heartbeat_byte13 = "7e0002000101380013800000045af77e";
inline constexpr const char* heartbeat_byte_ack13 = "7e80010005013800138000000200040002002a7e";
}  // namespace vec

}  // namespace jt808test
