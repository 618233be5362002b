// The frames of EMQX's ExProto echo protocol (emqx_exproto_echo_svr): what a device sends,
// decoded and checked, and what we answer, encoded byte for byte as the echo server does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace jsonframe {

enum FrameType : int {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kSubscribe = 5,
  kSuback = 6,
  kUnsubscribe = 7,
  kUnsuback = 8,
  kDisconnect = 9,
  kRawPublish = 10,
};

struct ConnectFrame {
  std::string proto_name;
  std::string proto_ver;
  std::string clientid;
  std::string username;
  std::string mountpoint;
  std::string password;
  std::uint32_t keepalive_s = 0;  // 0: the device asked for none
};

struct PublishFrame {
  bool raw = false;  // RAW_PUBLISH: no client identity, authorization or mountpoint
  std::string topic;
  std::uint32_t qos = 0;
  std::string payload;
};

struct SubscribeFrame {
  std::string topic;
  std::uint32_t qos = 0;
};

struct UnsubscribeFrame {
  std::string topic;
};

struct DisconnectFrame {};

using DeviceFrame = std::variant<ConnectFrame, PublishFrame, SubscribeFrame, UnsubscribeFrame, DisconnectFrame>;

/// Decodes one complete JSON object. Throws exproto::Error(kInvalidInput) whose message names
/// the problem (bad JSON, missing or ill-typed field, unknown or server-only type).
DeviceFrame decode_device_frame(std::string_view json_text);

/// {"type":T,"code":C} — CONNACK, PUBACK, SUBACK, UNSUBACK.
std::string encode_code_frame(FrameType type, int code);
/// {"type":9}
std::string encode_disconnect();
/// {"type":3,"topic":…,"qos":…,"payload":…} for a delivered message.
std::string encode_publish(std::string_view topic, std::uint32_t qos, std::string_view payload);

}  // namespace jsonframe
