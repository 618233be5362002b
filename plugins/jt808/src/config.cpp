#include "config.hpp"

#include "gbk.hpp"

#include <exproto/codec.hpp>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>

namespace jt808 {
namespace {

[[noreturn]] void reject(const std::string& path, const std::string& why) {
  throw exproto::Error(exproto::kError, "jt808 config: \"" + path + "\" " + why);
}

std::uint64_t integer_in(const Json& v, const std::string& path, std::uint64_t lo, std::uint64_t hi) {
  if (!v.is_number_integer()) reject(path, std::string("must be an integer, got ") + v.type_name());
  if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0) reject(path, "must not be negative");
  const auto n = v.get<std::uint64_t>();
  if (n < lo || n > hi) {
    reject(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + v.dump());
  }
  return n;
}

bool boolean(const Json& v, const std::string& path) {
  if (!v.is_boolean()) reject(path, std::string("must be true or false, got ") + v.type_name());
  return v.get<bool>();
}

Template templ(const Json& v, const std::string& path, std::initializer_list<std::string_view> allowed) {
  if (!v.is_string()) reject(path, std::string("must be a string, got ") + v.type_name());
  const auto text = v.get<std::string>();
  if (const auto err = Template::check(text, allowed); !err.empty()) reject(path, err);
  return Template(text);
}

void object_items(const Json& v, const std::string& path) {
  if (!v.is_object()) reject(path, std::string("must be an object, got ") + v.type_name());
}

[[noreturn]] void unknown(const std::string& path, const char* known) {
  reject(path, std::string("is not a known key (known here: ") + known + ")");
}


void parse_auth(const Json& obj, AuthConfig& a) {
  object_items(obj, "auth");
  for (const auto& [key, v] : obj.items()) {
    const auto path = "auth." + key;
    if (key == "clientid") {
      a.clientid = templ(v, path, {"phone", "code", "imei", "software_version", "proto_ver"});
    } else if (key == "username") {
      a.username = templ(v, path, {"phone", "code", "imei", "software_version", "proto_ver"});
    } else if (key == "password") {
      a.password = templ(v, path, {"phone", "code", "imei", "software_version", "proto_ver"});
    } else if (key == "auth_code") {
      a.auth_code = templ(v, path, {"phone", "dev_id", "manufacturer", "model", "license_number"});
    } else if (key == "check_registered_code") {
      a.check_registered_code = boolean(v, path);
    } else {
      unknown(path, "clientid, username, password, auth_code, check_registered_code");
    }
  }
}

void parse_subpackage(const Json& obj, SubpackageConfig& s) {
  object_items(obj, "subpackage");
  for (const auto& [key, v] : obj.items()) {
    const auto path = "subpackage." + key;
    if (key == "reassemble") {
      s.reassemble = boolean(v, path);
    } else if (key == "max_sets") {
      s.max_sets = integer_in(v, path, 1, 1024);
    } else if (key == "max_bytes") {
      s.max_bytes = integer_in(v, path, 1024, 64 * 1024 * 1024);
    } else if (key == "timeout_ms") {
      s.timeout_ms = integer_in(v, path, 10, 3600 * 1000);
    } else if (key == "request_missing") {
      s.request_missing = boolean(v, path);
    } else {
      unknown(path, "reassemble, max_sets, max_bytes, timeout_ms, request_missing");
    }
  }
}

}  // namespace

Config parse_config(std::string_view json_text) {
  Config cfg;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return cfg;
  const auto doc = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) throw exproto::Error(exproto::kError, "jt808 config: not valid JSON");
  if (doc.is_null()) return cfg;
  if (!doc.is_object()) throw exproto::Error(exproto::kError, "jt808 config: must be an object");

  for (const auto& [key, v] : doc.items()) {
    if (key == "up_topic") {
      cfg.up_topic = templ(v, key, {"clientid", "phone"});
    } else if (key == "dn_topic") {
      cfg.dn_topic = templ(v, key, {"clientid", "phone"});
    } else if (key == "up_qos") {
      cfg.up_qos = integer_in(v, key, 0, 2);
    } else if (key == "dn_qos") {
      cfg.dn_qos = integer_in(v, key, 0, 2);
    } else if (key == "auth") {
      parse_auth(v, cfg.auth);
    } else if (key == "retry_interval_ms") {
      cfg.retry_interval_ms = integer_in(v, key, 10, 24ull * 3600 * 1000);
    } else if (key == "max_retry_times") {
      cfg.max_retry_times = integer_in(v, key, 0, 100);
    } else if (key == "message_queue_len") {
      cfg.message_queue_len = integer_in(v, key, 0, 10000);
    } else if (key == "max_inflight") {
      cfg.max_inflight = integer_in(v, key, 1, 1024);
    } else if (key == "max_frame_bytes") {
      // 1045 = the largest legal frame (2019 header with package item, 1023-byte body, check).
      cfg.max_frame_bytes = integer_in(v, key, 1045, 16 * 1024 * 1024);
    } else if (key == "max_pending_frames") {
      cfg.max_pending_frames = integer_in(v, key, 1, 10000);
    } else if (key == "subpackage") {
      parse_subpackage(v, cfg.subpackage);
    } else if (key == "keepalive") {
      cfg.keepalive_s = integer_in(v, key, 0, 65535);
    } else if (key == "ignore_unsupported_frames") {
      cfg.ignore_unsupported_frames = boolean(v, key);
    } else if (key == "bit_order") {
      if (v == "emqx") {
        cfg.bit_order = BitOrder::emqx;
      } else if (v == "standard") {
        cfg.bit_order = BitOrder::standard;
      } else {
        reject(key, "must be \"emqx\" or \"standard\"");
      }
    } else if (key == "publish_control_messages") {
      cfg.publish_control_messages = boolean(v, key);
    } else if (key == "string_encoding") {
      if (v == "utf8") {
        cfg.string_encoding = StringEncoding::utf8;
      } else if (v == "gbk") {
        // Refused here rather than failing every connection later.
        if (!gbk_available()) reject(key, "is \"gbk\" but this system's iconv cannot convert GBK");
        cfg.string_encoding = StringEncoding::gbk;
      } else {
        reject(key, "must be \"utf8\" or \"gbk\"");
      }
    } else if (key == "reply_unknown_messages") {
      cfg.reply_unknown_messages = boolean(v, key);
    } else {
      unknown(key,
              "up_topic, dn_topic, up_qos, dn_qos, auth, retry_interval_ms, max_retry_times, message_queue_len, "
              "max_inflight, max_frame_bytes, max_pending_frames, subpackage, keepalive, ignore_unsupported_frames, "
              "bit_order, publish_control_messages, string_encoding, reply_unknown_messages");
    }
  }
  return cfg;
}

}  // namespace jt808
