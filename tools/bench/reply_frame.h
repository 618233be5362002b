// Recognises the jsonframe replies a handler Sends to a device (CONNACK, PUBACK, ...).
#pragma once

#include <optional>
#include <string_view>

namespace exproto::bench {

struct ReplyFrame {
  int type = 0;  // 2 CONNACK, 4 PUBACK, 6 SUBACK, 8 UNSUBACK, 9 DISCONNECT, 3 PUBLISH ...
  int code = 0;  // 0 when the frame has no "code"
};

// A scan, not a JSON parse: the adapter's Send path runs once per frame on the hot path and only
// needs two integers. Tolerates any key order and whitespace, so a codec need not reproduce
// jiffy's byte order. Returns nullopt when there is no integer "type".
std::optional<ReplyFrame> scan_reply_frame(std::string_view bytes);

}  // namespace exproto::bench
