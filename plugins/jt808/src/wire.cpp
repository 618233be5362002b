#include "wire.hpp"

#include <algorithm>
#include <array>

namespace jt808 {

std::uint8_t Reader::u8() { return take(1)[0]; }

std::uint16_t Reader::u16() {
  const auto b = take(2);
  return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

std::uint32_t Reader::u32() {
  const auto b = take(4);
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

std::span<const std::uint8_t> Reader::take(std::size_t n) {
  if (n > remaining()) {
    throw BodyError("needs " + std::to_string(n) + " more bytes at offset " + std::to_string(pos_) + ", has " +
                    std::to_string(remaining()));
  }
  const auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::span<const std::uint8_t> Reader::rest() { return take(remaining()); }

std::string Reader::bcd(std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (const auto b : take(n)) {
    out.push_back(static_cast<char>('0' + (b >> 4)));
    out.push_back(static_cast<char>('0' + (b & 0x0f)));
  }
  return out;
}

void Writer::u16(std::uint64_t v) {
  u8(v >> 8);
  u8(v);
}

void Writer::u32(std::uint64_t v) {
  u16(v >> 16);
  u16(v);
}

void Writer::fixed(std::string_view s, std::size_t n) {
  raw(s.substr(0, n));
  out_.insert(out_.end(), n - std::min(n, s.size()), 0);
}

void Writer::bcd(std::string_view digits, std::size_t n) {
  if (digits.size() > 2 * n) digits.remove_prefix(digits.size() - 2 * n);
  std::string padded(2 * n - digits.size(), '0');
  padded += digits;
  for (std::size_t i = 0; i < n; ++i) {
    // Characters '0'…'?' map back to nibbles 0…15, the inverse of Reader::bcd.
    const auto hi = static_cast<std::uint8_t>(padded[2 * i] - '0') & 0x0f;
    const auto lo = static_cast<std::uint8_t>(padded[2 * i + 1] - '0') & 0x0f;
    u8(hi << 4 | lo);
  }
}

std::string as_string(std::span<const std::uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string trim_nul_right(std::string s) {
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> decode_table() {
  std::array<int, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
  return t;
}
constexpr auto kDecode = decode_table();
}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | data[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (const auto left = data.size() - i; left > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (left == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Bytes base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) throw BodyError("invalid base64 length");
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = kDecode[static_cast<unsigned char>(c)];
    if (v < 0) throw BodyError("invalid base64 character");
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return out;
}

}  // namespace jt808
