// Devices speaking JT/T 808 (2013 edition), the way a vehicle terminal behind EMQX's anonymous
// registry does: register (0x0100) and authenticate (0x0102, code "anonymous") in one burst, then
// location reports (0x0200) that the platform acknowledges with 0x8001. Written from the
// protocol's layout, independently of the jt808 codec, so the bench checks the codec too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "device_protocol.h"

namespace exproto::bench {

// A whole 2013 frame: 0x7e, header + body + XOR check code with 0x7e/0x7d escaped, 0x7e.
// `phone` is 12 decimal digits (BCD[6]).
std::string jt808_frame(uint16_t msg_id, std::string_view phone, uint16_t serial, std::string_view body);

struct Jt808Frame {
  uint16_t msg_id = 0;
  std::string phone;  // the BCD digits, 12 (2013) or 20 (2019)
  uint16_t serial = 0;
  std::string body;
};

// One whole frame, delimiters included, either edition. nullopt for anything else: missing
// delimiters, a bad escape, a wrong check code, a header or body shorter than it says.
std::optional<Jt808Frame> read_jt808_frame(std::string_view bytes);

std::unique_ptr<DeviceProtocol> make_jt808_devices();

}  // namespace exproto::bench
