#include "checking_host_api.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <unistd.h>

#include "checker.h"
#include "host/registry/codec_instance.h"

namespace codec_check {
namespace {

// Past this a length is a garbage value, not a message.
constexpr std::size_t kImplausibleLength = std::size_t{256} << 20;

// A handle that is no SessionSlot cannot lead to a checker to record the violation in, and the
// real host would crash on it: stop the run here with the reason.
[[noreturn]] void bad_handle(const char* fn, const char* what) {
  std::printf("FAIL contract: %s called with %s\n", fn, what);
  std::fflush(stdout);
  ::_exit(3);
}

SessionSlot& slot_of(exproto_type_session_host_ptr handle, const char* fn) {
  if (handle == nullptr) bad_handle(fn, "a NULL session handle");
  auto* slot = static_cast<SessionSlot*>(handle);
  if (slot->magic != SessionSlot::kMagic) bad_handle(fn, "a session handle this host never issued");
  return *slot;
}

// Checks a borrowed buffer and reads every byte of it, so a dangling pointer faults here, inside
// the hook that passed it, rather than going unnoticed.
bool readable(Checker& c, const char* fn, const char* arg, const void* ptr, std::size_t len) {
  if (len == 0) return true;
  if (ptr == nullptr) {
    c.violation(fmt::format("{}: NULL {} with a length", fn, arg),
                fmt::format("{}({}: ptr NULL, len {}) during {}", fn, arg, len, c.current_hook()));
    return false;
  }
  if (len >= kImplausibleLength) {
    c.violation(fmt::format("{}: implausible {} length", fn, arg), fmt::format("{}({}: len {})", fn, arg, len));
    return false;
  }
  volatile unsigned char sink = 0;
  const auto* p = static_cast<const unsigned char*>(ptr);
  for (std::size_t i = 0; i < len; ++i) sink = sink ^ p[i];
  return true;
}

bool readable(Checker& c, const char* fn, const char* arg, exproto_type_str s) {
  return readable(c, fn, arg, s.ptr, s.len);
}
bool readable(Checker& c, const char* fn, const char* arg, exproto_type_bytes b) {
  return readable(c, fn, arg, b.ptr, b.len);
}

// The real host refuses such a call (returns 0) and the ABI allows a codec to make it, e.g. with a
// QoS a device sent; so it is reported, not failed, and refused the same way.
bool valid_qos(Checker& c, const char* fn, std::uint32_t qos) {
  if (qos <= 2) return true;
  c.warning(fmt::format("{}: QoS above 2, refused as the host does", fn),
            fmt::format("{}(qos {}) during {}", fn, qos, c.current_hook()));
  return false;
}

// Device bytes end up in topics; keep the report one readable line.
std::string shown(std::string_view text) {
  std::string out;
  for (unsigned char ch : text.substr(0, 80)) out += (ch >= 0x20 && ch < 0x7f) ? std::string(1, static_cast<char>(ch)) : fmt::format("\\x{:02x}", ch);
  return text.size() > 80 ? out + "..." : out;
}

void check_topic(Checker& c, const char* fn, exproto_type_str topic, bool filter) {
  const std::string_view t(topic.ptr, topic.len);
  if (t.empty()) c.warning(fmt::format("{}: empty topic", fn), fmt::format("{} during {}", fn, c.current_hook()));
  if (!filter && t.find_first_of("+#") != std::string_view::npos) {
    c.warning(fmt::format("{}: wildcard in a publish topic", fn), fmt::format("{}(\"{}\")", fn, shown(t)));
  }
}

// ---- the table ----

void log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  const std::string_view text = msg.ptr == nullptr ? std::string_view("(NULL text)") : std::string_view(msg.ptr, msg.len);
  if (codec == nullptr) {
    spdlog::warn("codec entry: {}", text);  // only the entry function has no instance handle
    return;
  }
  static_cast<exproto::host::CodecInstance*>(codec)->log(level, text);
}

void session_log(exproto_type_session_host_ptr s, int32_t level, exproto_type_str msg) {
  auto& slot = slot_of(s, "session_log");
  auto& c = *slot.checker;
  if (!c.admit(slot, "session_log", true) || !readable(c, "session_log", "msg", msg)) return;
  if (level < EXPROTO_LOG_TRACE || level > EXPROTO_LOG_ERROR) {
    c.warning("session_log: unknown level", fmt::format("session_log(level {})", level));
  }
  c.count_log(level, std::string_view(msg.ptr, msg.len));
}

uint64_t send(exproto_type_session_host_ptr s, exproto_type_bytes data) {
  auto& slot = slot_of(s, "send");
  auto& c = *slot.checker;
  if (!c.admit(slot, "send") || !readable(c, "send", "data", data)) return 0;
  if (data.len == 0) c.warning("send: no bytes", fmt::format("send of 0 bytes during {}", c.current_hook()));
  const auto id = c.accept_call(slot, "send", EXPROTO_CALL_SEND);
  if (id != 0) c.count_bytes_sent(data.len);
  return id;
}

uint64_t close(exproto_type_session_host_ptr s) {
  auto& slot = slot_of(s, "close");
  auto& c = *slot.checker;
  if (!c.admit(slot, "close")) return 0;
  return c.accept_call(slot, "close", EXPROTO_CALL_CLOSE);
}

uint64_t authenticate(exproto_type_session_host_ptr s, const exproto_type_clientinfo* ci, exproto_type_str password) {
  auto& slot = slot_of(s, "authenticate");
  auto& c = *slot.checker;
  if (!c.admit(slot, "authenticate") || !readable(c, "authenticate", "password", password)) return 0;
  if (ci == nullptr) {
    c.violation("authenticate: NULL clientinfo", fmt::format("authenticate(NULL) during {}", c.current_hook()));
    return 0;
  }
  if (!EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, clientid)) {
    c.violation("authenticate: clientinfo struct_size too small",
                fmt::format("authenticate(clientinfo.struct_size {})", ci->struct_size));
    return 0;
  }
  const bool ok = readable(c, "authenticate", "proto_name", ci->proto_name) &&
                  readable(c, "authenticate", "proto_ver", ci->proto_ver) &&
                  readable(c, "authenticate", "clientid", ci->clientid) &&
                  (!EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, username) ||
                   readable(c, "authenticate", "username", ci->username)) &&
                  (!EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, mountpoint) ||
                   readable(c, "authenticate", "mountpoint", ci->mountpoint));
  if (!ok) return 0;
  if (ci->clientid.len == 0) {
    c.warning("authenticate: empty clientid", fmt::format("authenticate during {}", c.current_hook()));
  }
  return c.accept_call(slot, "authenticate", EXPROTO_CALL_AUTHENTICATE);
}

uint64_t start_keepalive(exproto_type_session_host_ptr s, uint32_t interval_s) {
  auto& slot = slot_of(s, "start_keepalive");
  auto& c = *slot.checker;
  if (!c.admit(slot, "start_keepalive")) return 0;
  if (interval_s == 0) c.warning("start_keepalive: interval 0", "start_keepalive(0)");
  return c.accept_call(slot, "start_keepalive", EXPROTO_CALL_START_KEEPALIVE);
}

uint64_t publish_as(const char* fn, int32_t kind, exproto_type_session_host_ptr s, exproto_type_str topic,
                    uint32_t qos, exproto_type_bytes payload) {
  auto& slot = slot_of(s, fn);
  auto& c = *slot.checker;
  if (!c.admit(slot, fn) || !readable(c, fn, "topic", topic) || !readable(c, fn, "payload", payload) ||
      !valid_qos(c, fn, qos)) {
    return 0;
  }
  check_topic(c, fn, topic, false);
  return c.accept_call(slot, fn, kind);
}

uint64_t publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos, exproto_type_bytes payload) {
  return publish_as("publish", EXPROTO_CALL_PUBLISH, s, topic, qos, payload);
}

uint64_t raw_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos,
                     exproto_type_bytes payload) {
  return publish_as("raw_publish", EXPROTO_CALL_RAW_PUBLISH, s, topic, qos, payload);
}

uint64_t subscribe(exproto_type_session_host_ptr s, exproto_type_str filter, uint32_t qos) {
  auto& slot = slot_of(s, "subscribe");
  auto& c = *slot.checker;
  if (!c.admit(slot, "subscribe") || !readable(c, "subscribe", "topic_filter", filter) ||
      !valid_qos(c, "subscribe", qos)) {
    return 0;
  }
  check_topic(c, "subscribe", filter, true);
  const auto id = c.accept_call(slot, "subscribe", EXPROTO_CALL_SUBSCRIBE);
  // Remembered so the lifecycle can deliver messages the way EMQX would: only to subscribers.
  if (id != 0 && filter.len != 0 && slot.subscriptions.size() < 64) slot.subscriptions.emplace_back(filter.ptr, filter.len);
  return id;
}

uint64_t unsubscribe(exproto_type_session_host_ptr s, exproto_type_str filter) {
  auto& slot = slot_of(s, "unsubscribe");
  auto& c = *slot.checker;
  if (!c.admit(slot, "unsubscribe") || !readable(c, "unsubscribe", "topic_filter", filter)) return 0;
  const auto id = c.accept_call(slot, "unsubscribe", EXPROTO_CALL_UNSUBSCRIBE);
  if (id != 0) std::erase(slot.subscriptions, std::string(filter.ptr, filter.len));
  return id;
}

uint64_t timer_start(exproto_type_session_host_ptr s, uint64_t delay_ms, uint64_t tag) {
  auto& slot = slot_of(s, "timer_start");
  auto& c = *slot.checker;
  if (!c.admit(slot, "timer_start")) return 0;
  return c.start_timer(slot, delay_ms, tag);
}

bool timer_cancel(exproto_type_session_host_ptr s, uint64_t timer_id) {
  auto& slot = slot_of(s, "timer_cancel");
  auto& c = *slot.checker;
  if (!c.admit(slot, "timer_cancel")) return false;
  return c.cancel_timer(slot, timer_id);
}

constexpr exproto_host_api kTable{
    sizeof(exproto_host_api),
    EXPROTO_ABI_MAJOR,
    EXPROTO_ABI_MINOR,
    EXPROTO_HOST_VERSION,
    &log,
    &session_log,
    &send,
    &close,
    &authenticate,
    &start_keepalive,
    &publish,
    &raw_publish,
    &subscribe,
    &unsubscribe,
    &timer_start,
    &timer_cancel,
};

}  // namespace

const exproto_host_api* checking_host_api() { return &kTable; }

}  // namespace codec_check
