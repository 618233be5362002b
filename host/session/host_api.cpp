#include "host/session/host_api.h"

#include <spdlog/spdlog.h>

#include <string_view>

#include "host/registry/codec_instance.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {

std::string to_string(exproto_type_str s) { return s.len == 0 ? std::string{} : std::string(s.ptr, s.len); }
std::string to_string(exproto_type_bytes b) {
  return b.len == 0 ? std::string{} : std::string(reinterpret_cast<const char*>(b.ptr), b.len);
}
Session& session(exproto_type_session_host_ptr p) { return *static_cast<Session*>(p); }

void log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  const std::string_view text(msg.ptr, msg.len);
  if (codec == nullptr) {
    // Only the entry function has no instance yet.
    spdlog::warn("codec entry: {}", text);
    return;
  }
  static_cast<CodecInstance*>(codec)->log(level, text);
}

void session_log(exproto_type_session_host_ptr s, int32_t level, exproto_type_str msg) {
  session(s).api_log(level, std::string_view(msg.ptr, msg.len));
}

uint64_t send(exproto_type_session_host_ptr s, exproto_type_bytes data) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_SEND;
  c.data = to_string(data);
  return session(s).api_call(std::move(c));
}

uint64_t close(exproto_type_session_host_ptr s) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_CLOSE;
  return session(s).api_call(std::move(c));
}

uint64_t authenticate(exproto_type_session_host_ptr s, const exproto_type_clientinfo* ci, exproto_type_str password) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_AUTHENTICATE;
  c.data = to_string(password);
  if (ci != nullptr) {
    // Fields beyond what the codec's struct holds stay empty (older, smaller struct).
    if (EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, proto_name)) c.clientinfo.proto_name = to_string(ci->proto_name);
    if (EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, proto_ver)) c.clientinfo.proto_ver = to_string(ci->proto_ver);
    if (EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, clientid)) c.clientinfo.clientid = to_string(ci->clientid);
    if (EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, username)) c.clientinfo.username = to_string(ci->username);
    if (EXPROTO_ABI_HAS_FIELD(ci, exproto_type_clientinfo, mountpoint)) c.clientinfo.mountpoint = to_string(ci->mountpoint);
  }
  return session(s).api_call(std::move(c));
}

uint64_t start_keepalive(exproto_type_session_host_ptr s, uint32_t interval_s) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_START_KEEPALIVE;
  c.interval_s = interval_s;
  return session(s).api_call(std::move(c));
}

uint64_t publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos, exproto_type_bytes payload) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_PUBLISH;
  c.topic = to_string(topic);
  c.qos = qos;
  c.data = to_string(payload);
  return session(s).api_call(std::move(c));
}

uint64_t raw_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos,
                     exproto_type_bytes payload) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_RAW_PUBLISH;
  c.topic = to_string(topic);
  c.qos = qos;
  c.data = to_string(payload);
  return session(s).api_call(std::move(c));
}

uint64_t subscribe(exproto_type_session_host_ptr s, exproto_type_str filter, uint32_t qos) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_SUBSCRIBE;
  c.topic = to_string(filter);
  c.qos = qos;
  return session(s).api_call(std::move(c));
}

uint64_t unsubscribe(exproto_type_session_host_ptr s, exproto_type_str filter) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_UNSUBSCRIBE;
  c.topic = to_string(filter);
  return session(s).api_call(std::move(c));
}

uint64_t timer_start(exproto_type_session_host_ptr s, uint64_t delay_ms, uint64_t tag) {
  return session(s).api_timer_start(delay_ms, tag);
}

bool timer_cancel(exproto_type_session_host_ptr s, uint64_t timer_id) { return session(s).api_timer_cancel(timer_id); }

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

const exproto_host_api* host_api_table() { return &kTable; }

}  // namespace exproto::host
