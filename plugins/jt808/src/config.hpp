// The route's "config" object for the jt808 codec, validated once when the codec is created.
// Defaults reproduce EMQX's native JT/T 808 gateway (anonymous registry, its topics and timings).
#pragma once

#include "body.hpp"
#include "template.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jt808 {

struct AuthConfig {
  // ${phone} ${code} ${imei} ${software_version} ${proto_ver}
  Template clientid{"${phone}"};
  Template username{""};
  Template password{"${code}"};
  // Code handed out in 0x8100; ${phone} ${dev_id} ${manufacturer} ${model} ${license_number}.
  Template auth_code{"anonymous"};
  // When the connection registered first, require its 0x0102 code to equal the handed-out code
  // before asking EMQX (EMQX's non-anonymous registry behaviour).
  bool check_registered_code = false;
};

struct SubpackageConfig {
  bool reassemble = true;            // false: publish each package on its own, as EMQX does
  std::size_t max_sets = 4;          // incomplete messages kept per connection
  std::size_t max_bytes = 256 * 1024;  // bytes of incomplete messages kept per connection
  std::uint64_t timeout_ms = 30000;  // an incomplete message is dropped after this
  bool request_missing = false;      // on timeout send 0x8003 once for the missing packages
};

/// How STRING fields travel on the wire (EMQX's `frame.string_encoding`).
enum class StringEncoding {
  utf8,  // passed through as raw bytes (EMQX's default)
  gbk,   // GBK on the wire, UTF-8 in JSON
};

struct Config {
  Template up_topic{"jt808/${clientid}/${phone}/up"};  // ${clientid} ${phone}
  Template dn_topic{"jt808/${clientid}/${phone}/dn"};
  std::uint32_t up_qos = 1;
  std::uint32_t dn_qos = 0;
  AuthConfig auth;
  std::uint64_t retry_interval_ms = 8000;
  std::uint32_t max_retry_times = 3;
  std::size_t message_queue_len = 10;
  std::size_t max_inflight = 128;
  std::size_t max_frame_bytes = 8192;
  std::size_t max_pending_frames = 32;  // frames held while Authenticate is pending
  SubpackageConfig subpackage;
  std::uint32_t keepalive_s = 300;
  bool ignore_unsupported_frames = true;
  BitOrder bit_order = BitOrder::emqx;
  bool publish_control_messages = false;
  StringEncoding string_encoding = StringEncoding::utf8;
  bool reply_unknown_messages = false;  // answer unknown ids with 0x8001 result 3 (not supported)
};

/// Parses the config JSON text; empty text or `null` mean "all defaults". Throws exproto::Error
/// naming the bad key (with its path) or value.
Config parse_config(std::string_view json_text);

}  // namespace jt808
