// The message header of both editions (2011/2013: 12 bytes, 2019: 17 bytes; +4 with the
// sub-package item), decided per frame by bit 14 of the body attributes, as EMQX does.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace jt808 {

enum class Version { v2013, v2019 };

struct Header {
  std::uint16_t msg_id = 0;
  std::uint32_t body_len = 0;  // the 10-bit length field of this frame (whole body when reassembled)
  std::uint8_t encrypt = 0;    // the 3-bit field; bodies are never decrypted (as EMQX)
  Version version = Version::v2013;
  std::uint8_t proto_ver = 1;  // 2019 only
  std::string phone;           // 12 (2013) or 20 (2019) characters
  std::uint16_t msg_sn = 0;
  bool subpackage = false;
  std::uint16_t frag_total = 0;  // when subpackage
  std::uint16_t frag_sn = 0;     // 1-based, when subpackage
};

struct ParsedFrame {
  Header header;
  std::span<const std::uint8_t> body;  // views the frame content passed to parse_frame
};

/// Why a frame's content is not a message.
enum class HeaderFault { truncated, length_mismatch };

/// Splits verified frame content into header and body. The body must be exactly as long as the
/// header's length field says.
std::optional<ParsedFrame> parse_frame(std::span<const std::uint8_t> content, HeaderFault* fault = nullptr);

/// Writes header + body (not framed). `h.body_len` is ignored: the body's size is written (a body
/// over 1023 bytes must be split by the caller).
Bytes serialize_message(const Header& h, std::span<const std::uint8_t> body);

}  // namespace jt808
