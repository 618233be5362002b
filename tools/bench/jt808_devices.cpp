#include "jt808_devices.h"

#include <cstdio>

namespace exproto::bench {
namespace {

constexpr uint16_t kRegister = 0x0100, kAuthenticate = 0x0102, kLocation = 0x0200;
constexpr uint16_t kPlatformResponse = 0x8001;
constexpr uint16_t kVersionBit = 1u << 14;
constexpr uint16_t kBodyLengthMask = 0x03ff;

void put_u8(std::string& out, unsigned v) { out.push_back(static_cast<char>(v & 0xff)); }
void put_u16(std::string& out, unsigned v) {
  put_u8(out, v >> 8);
  put_u8(out, v);
}
void put_u32(std::string& out, uint32_t v) {
  put_u16(out, v >> 16);
  put_u16(out, v & 0xffff);
}
void put_fixed(std::string& out, std::string_view text, std::size_t width) {
  std::string field(text.substr(0, width));
  field.resize(width, '\0');
  out += field;
}
void put_bcd(std::string& out, std::string_view digits) {
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    put_u8(out, static_cast<unsigned>((digits[i] - '0') << 4 | (digits[i + 1] - '0')));
}
unsigned u8_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }
unsigned u16_at(std::string_view s, std::size_t i) { return u8_at(s, i) << 8 | u8_at(s, i + 1); }

std::string phone_of(std::size_t device) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%012llu", 13800000000ULL + device);
  return digits;
}

// Province/city, manufacturer BYTE[5], model BYTE[20], terminal id BYTE[7], plate colour, plate.
std::string register_body(std::size_t device) {
  std::string body;
  put_u16(body, 31);
  put_u16(body, 115);
  put_fixed(body, "EXPRB", 5);
  put_fixed(body, "BENCH-T1", 20);
  char id[16];
  std::snprintf(id, sizeof id, "T%06zu", device % 1000000);
  put_fixed(body, id, 7);
  put_u8(body, 1);
  body += "B" + std::to_string(device);
  return body;
}

// Basic information (alarm, status, lat, lon, altitude, speed, direction, BCD time) and two
// additional items: mileage (0x01, DWORD) and signal strength (0x30, BYTE) — 37 bytes.
std::string location_body(uint16_t serial) {
  std::string body;
  put_u32(body, 0);
  put_u32(body, 0x00000002);
  put_u32(body, 31234567);
  put_u32(body, 121234567);
  put_u16(body, 12);
  put_u16(body, 600);
  put_u16(body, 90);
  put_bcd(body, "261122053000");
  put_u8(body, 0x01);
  put_u8(body, 4);
  put_u32(body, 100000u + serial);
  put_u8(body, 0x30);
  put_u8(body, 1);
  put_u8(body, 0x1f);
  return body;
}

class Jt808Devices final : public DeviceProtocol {
 public:
  std::string_view codec() const override { return "jt808"; }

  std::string login(std::size_t device) const override {
    const auto phone = phone_of(device);
    return jt808_frame(kRegister, phone, 0, register_body(device)) + jt808_frame(kAuthenticate, phone, 1, "anonymous");
  }

  std::string report(std::size_t device, uint16_t serial) const override {
    return jt808_frame(kLocation, phone_of(device), serial, location_body(serial));
  }

  bool report_changes_per_frame() const override { return true; }

  std::optional<DeviceReply> read_reply(std::string_view bytes) const override {
    auto frame = read_jt808_frame(bytes);
    if (!frame) return std::nullopt;
    if (frame->msg_id != kPlatformResponse || frame->body.size() < 5) return DeviceReply{};
    const auto answered = u16_at(frame->body, 2);
    const int result = static_cast<int>(u8_at(frame->body, 4));
    if (answered == kAuthenticate) return DeviceReply{ReplyKind::login_ack, result};
    if (answered == kLocation) return DeviceReply{ReplyKind::report_ack, result};
    return DeviceReply{};
  }

  // 0x7e ... 0x7e (0x7e never occurs inside: it is escaped); bytes before the first 0x7e go with it.
  std::size_t reply_length(std::string_view stream) const override {
    const auto open = stream.find('\x7e');
    if (open == std::string_view::npos) return 0;
    const auto close = stream.find('\x7e', open + 1);
    return close == std::string_view::npos ? 0 : close + 1;
  }
};

}  // namespace

std::string jt808_frame(uint16_t msg_id, std::string_view phone, uint16_t serial, std::string_view body) {
  std::string plain;
  put_u16(plain, msg_id);
  put_u16(plain, static_cast<unsigned>(body.size()) & kBodyLengthMask);
  put_bcd(plain, phone);
  put_u16(plain, serial);
  plain += body;
  unsigned check = 0;
  for (char c : plain) check ^= static_cast<unsigned char>(c);
  put_u8(plain, check);

  std::string frame;
  frame.reserve(plain.size() + 8);
  frame.push_back('\x7e');
  for (char c : plain) {
    if (c == '\x7e' || c == '\x7d') {
      frame.push_back('\x7d');
      frame.push_back(c == '\x7e' ? '\x02' : '\x01');
    } else {
      frame.push_back(c);
    }
  }
  frame.push_back('\x7e');
  return frame;
}

std::optional<Jt808Frame> read_jt808_frame(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.front() != '\x7e' || bytes.back() != '\x7e') return std::nullopt;
  std::string plain;
  plain.reserve(bytes.size());
  for (std::size_t i = 1; i + 1 < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\x7e') return std::nullopt;  // two frames, or a frame inside garbage
    if (c == '\x7d') {
      if (i + 2 >= bytes.size()) return std::nullopt;
      char next = bytes[++i];
      if (next != '\x01' && next != '\x02') return std::nullopt;
      c = next == '\x01' ? '\x7d' : '\x7e';
    }
    plain.push_back(c);
  }
  if (plain.empty()) return std::nullopt;
  unsigned check = 0;
  for (std::size_t i = 0; i + 1 < plain.size(); ++i) check ^= u8_at(plain, i);
  if (check != u8_at(plain, plain.size() - 1)) return std::nullopt;
  plain.pop_back();

  if (plain.size() < 4) return std::nullopt;
  const unsigned attrs = u16_at(plain, 2);
  const bool v2019 = (attrs & kVersionBit) != 0;
  const std::size_t phone_bytes = v2019 ? 10 : 6;
  std::size_t header = 4 + (v2019 ? 1 : 0) + phone_bytes + 2;
  if (attrs & (1u << 13)) header += 4;  // sub-package: total and index
  const std::size_t body_size = attrs & kBodyLengthMask;
  if (plain.size() != header + body_size) return std::nullopt;

  Jt808Frame out;
  out.msg_id = static_cast<uint16_t>(u16_at(plain, 0));
  const std::size_t phone_at = 4 + (v2019 ? 1 : 0);
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < phone_bytes; ++i) {
    out.phone.push_back(kDigits[u8_at(plain, phone_at + i) >> 4]);
    out.phone.push_back(kDigits[u8_at(plain, phone_at + i) & 0xf]);
  }
  out.serial = static_cast<uint16_t>(u16_at(plain, phone_at + phone_bytes));
  out.body = plain.substr(header);
  return out;
}

std::unique_ptr<DeviceProtocol> make_jt808_devices() { return std::make_unique<Jt808Devices>(); }

}  // namespace exproto::bench
