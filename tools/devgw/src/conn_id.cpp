#include "devgw/conn_id.hpp"

#include <array>

namespace exproto::devgw {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kVersion = 131, kNewPidExt = 88, kAtomExt = 100, kSmallAtomUtf8Ext = 119;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t get_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                            (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (left == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::expected<std::string, std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::unexpected("base64 length is not a multiple of 4");
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) value[static_cast<std::uint8_t>(kAlphabet[i])] = int(i);
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad > 0 || value[static_cast<std::uint8_t>(c)] < 0) return std::unexpected("invalid base64 character");
      v = (v << 6) | std::uint32_t(value[static_cast<std::uint8_t>(c)]);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

std::string encode_conn_id(const ErlangPid& pid) {
  std::string term;
  term.push_back(static_cast<char>(kVersion));
  term.push_back(static_cast<char>(kNewPidExt));
  term.push_back(static_cast<char>(kAtomExt));
  term.push_back(static_cast<char>((pid.node.size() >> 8) & 0xff));
  term.push_back(static_cast<char>(pid.node.size() & 0xff));
  term += pid.node;
  put_u32(term, pid.id);
  put_u32(term, pid.serial);
  put_u32(term, pid.creation);
  return base64_encode(term);
}

std::expected<ErlangPid, std::string> decode_conn_id(std::string_view conn) {
  auto raw = base64_decode(conn);
  if (!raw) return std::unexpected(raw.error());
  std::string_view t = *raw;
  if (t.size() < 4 || std::uint8_t(t[0]) != kVersion || std::uint8_t(t[1]) != kNewPidExt)
    return std::unexpected("not an external-term pid");
  t.remove_prefix(2);
  std::size_t len = 0;
  if (std::uint8_t(t[0]) == kAtomExt && t.size() >= 3) {
    len = (std::size_t(std::uint8_t(t[1])) << 8) | std::uint8_t(t[2]);
    t.remove_prefix(3);
  } else if (std::uint8_t(t[0]) == kSmallAtomUtf8Ext && t.size() >= 2) {
    len = std::uint8_t(t[1]);
    t.remove_prefix(2);
  } else {
    return std::unexpected("pid node is not an atom");
  }
  if (t.size() != len + 12) return std::unexpected("pid term has the wrong length");
  ErlangPid pid;
  pid.node = std::string(t.substr(0, len));
  t.remove_prefix(len);
  pid.id = get_u32(t.substr(0, 4));
  pid.serial = get_u32(t.substr(4, 4));
  pid.creation = get_u32(t.substr(8, 4));
  return pid;
}

}  // namespace exproto::devgw
