#include "frames.hpp"

#include "jiffy_text.hpp"

#include <exproto/codec.hpp>
#include <nlohmann/json.hpp>

#include <limits>

namespace jsonframe {
namespace {

using nlohmann::json;

[[noreturn]] void reject(const std::string& why) { throw exproto::Error(exproto::kInvalidInput, "bad frame: " + why); }

const json& field(const json& obj, const char* name, const char* frame) {
  const auto it = obj.find(name);
  if (it == obj.end()) reject(std::string(frame) + " lacks field \"" + name + "\"");
  return *it;
}

std::string string_field(const json& obj, const char* name, const char* frame) {
  const auto& v = field(obj, name, frame);
  if (!v.is_string()) reject(std::string(frame) + " field \"" + name + "\" must be a string, got " + v.type_name());
  return v.get<std::string>();
}

std::uint32_t uint_value(const json& v, const std::string& where) {
  if (!v.is_number_integer()) reject(where + " must be an integer, got " + v.type_name());
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= std::numeric_limits<std::uint32_t>::max()) {
    return static_cast<std::uint32_t>(v.get<std::uint64_t>());
  }
  reject(where + " must be between 0 and 4294967295, got " + v.dump());
}

std::uint32_t uint_field(const json& obj, const char* name, const char* frame) {
  return uint_value(field(obj, name, frame), std::string(frame) + " field \"" + name + "\"");
}

// The echo server hands `clientinfo` to gRPC as is: known string fields are taken, unknown keys
// are ignored, and `keepalive` (seconds) is read for StartTimer.
void read_clientinfo(const json& ci, ConnectFrame& out) {
  if (!ci.is_object()) reject(std::string("CONNECT field \"clientinfo\" must be an object, got ") + ci.type_name());
  struct Slot {
    const char* name;
    std::string ConnectFrame::*member;
  };
  static constexpr Slot kSlots[] = {
      {"proto_name", &ConnectFrame::proto_name}, {"proto_ver", &ConnectFrame::proto_ver},
      {"clientid", &ConnectFrame::clientid},     {"username", &ConnectFrame::username},
      {"mountpoint", &ConnectFrame::mountpoint},
  };
  for (const auto& slot : kSlots) {
    const auto it = ci.find(slot.name);
    if (it == ci.end()) continue;
    if (!it->is_string()) {
      reject(std::string("CONNECT clientinfo.") + slot.name + " must be a string, got " + it->type_name());
    }
    out.*slot.member = it->get<std::string>();
  }
  if (const auto it = ci.find("keepalive"); it != ci.end()) out.keepalive_s = uint_value(*it, "CONNECT clientinfo.keepalive");
}

std::string code_frame_name(int type) {
  switch (type) {
    case kConnack: return "CONNACK";
    case kPuback: return "PUBACK";
    case kSuback: return "SUBACK";
    case kUnsuback: return "UNSUBACK";
    default: return "type " + std::to_string(type);
  }
}

}  // namespace

DeviceFrame decode_device_frame(std::string_view json_text) {
  const auto doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) reject("not valid JSON (or not UTF-8)");
  if (!doc.is_object()) reject("not a JSON object");
  const auto& type_value = field(doc, "type", "frame");
  if (!type_value.is_number_integer()) reject(std::string("field \"type\" must be an integer, got ") + type_value.type_name());
  // Huge unsigned values would wrap in a signed read; they are unknown types either way.
  const long long type =
      type_value.is_number_unsigned() && type_value.get<std::uint64_t>() > 1000 ? -1 : type_value.get<long long>();

  switch (type) {
    case kConnect: {
      ConnectFrame f;
      read_clientinfo(field(doc, "clientinfo", "CONNECT"), f);
      f.password = string_field(doc, "password", "CONNECT");
      return f;
    }
    case kPublish:
    case kRawPublish: {
      const char* name = type == kPublish ? "PUBLISH" : "RAW_PUBLISH";
      PublishFrame f;
      f.raw = type == kRawPublish;
      f.topic = string_field(doc, "topic", name);
      f.qos = uint_field(doc, "qos", name);
      f.payload = string_field(doc, "payload", name);
      return f;
    }
    case kSubscribe: {
      SubscribeFrame f;
      f.topic = string_field(doc, "topic", "SUBSCRIBE");
      f.qos = uint_field(doc, "qos", "SUBSCRIBE");
      return f;
    }
    case kUnsubscribe:
      return UnsubscribeFrame{string_field(doc, "topic", "UNSUBSCRIBE")};
    case kDisconnect:
      return DisconnectFrame{};
    case kConnack:
    case kPuback:
    case kSuback:
    case kUnsuback:
      reject(code_frame_name(static_cast<int>(type)) + " (type " + std::to_string(type) +
             ") is sent by the server, never by a device");
    default:
      reject("unknown type " + type_value.dump());
  }
}

std::string encode_code_frame(FrameType type, int code) {
  return "{\"type\":" + std::to_string(static_cast<int>(type)) + ",\"code\":" + std::to_string(code) + "}";
}

std::string encode_disconnect() { return "{\"type\":9}"; }

std::string encode_publish(std::string_view topic, std::uint32_t qos, std::string_view payload) {
  // force_utf8 only steps in when jiffy refused the term, and then repairs every string of it.
  const bool as_is = jiffy_accepts(topic) && jiffy_accepts(payload);
  std::string out = "{\"type\":3,\"topic\":";
  append_jiffy_string(out, as_is ? std::string(topic) : jiffy_fix_utf8(topic));
  out += ",\"qos\":" + std::to_string(qos) + ",\"payload\":";
  append_jiffy_string(out, as_is ? std::string(payload) : jiffy_fix_utf8(payload));
  out += '}';
  return out;
}

}  // namespace jsonframe
