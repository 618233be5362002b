#include "host/isolation/runner_host_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "host/isolation/ipc_frame.h"

namespace exproto::host::runner {

namespace {

using ipc::FrameWriter;
using ipc::HostFn;
using ipc::Op;

std::string_view view(exproto_type_str s) { return s.len == 0 ? std::string_view{} : std::string_view(s.ptr, s.len); }
std::string_view view(exproto_type_bytes b) {
  return b.len == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(b.ptr), b.len);
}

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case EXPROTO_LOG_TRACE: return spdlog::level::trace;
    case EXPROTO_LOG_DEBUG: return spdlog::level::debug;
    case EXPROTO_LOG_INFO: return spdlog::level::info;
    case EXPROTO_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

// Past this many queued bytes a hook's frames go to the host before the hook ends.
constexpr std::size_t kFlushAt = 64 * 1024;

RunnerSession& session(exproto_type_session_host_ptr s) { return *static_cast<RunnerSession*>(s); }

// A call from outside a hook of this session has no channel to go on; the in-process host refuses
// it the same way (returns 0).
bool in_hook(RunnerSession& s, const char* what) {
  if (s.link != nullptr && s.hook_thread.load() == std::this_thread::get_id()) return true;
  spdlog::error("codec called {} outside one of that session's hooks; refused", what);
  return false;
}

// A call frame carries the id the codec gets; the host runs the call when it reads the frame and
// uses that id.
void call_head(FrameWriter& f, HostFn fn, uint64_t id) { f.u8(static_cast<uint8_t>(fn)).u64(id); }

// The request id the host will give the call: the session's next one. A qos the host refuses
// whatever its state is refused here too (0), and still sent so that the host logs and counts it.
uint64_t next_request_id(RunnerSession& s, uint32_t qos = 0) { return qos > 2 ? 0 : s.next_request_id++; }

void log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  if (codec == nullptr) {
    spdlog::warn("codec entry: {}", view(msg));
    return;
  }
  static_cast<RunnerCodec*>(codec)->log(level, view(msg));
}

void session_log(exproto_type_session_host_ptr sp, int32_t level, exproto_type_str msg) {
  auto& s = session(sp);
  if (!in_hook(s, "session_log")) return;
  FrameWriter f(Op::log, s.link->out());
  f.i32(level).str(view(msg));
  f.finish();
  s.link->queued();
}

uint64_t send(exproto_type_session_host_ptr sp, exproto_type_bytes data) {
  auto& s = session(sp);
  if (!in_hook(s, "send")) return 0;
  const uint64_t id = next_request_id(s);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::send, id);
  f.str(view(data));
  f.finish();
  s.link->queued();
  return id;
}

uint64_t close(exproto_type_session_host_ptr sp) {
  auto& s = session(sp);
  if (!in_hook(s, "close")) return 0;
  const uint64_t id = next_request_id(s);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::close, id);
  f.finish();
  s.link->queued();
  return id;
}

uint64_t authenticate(exproto_type_session_host_ptr sp, const exproto_type_clientinfo* ci, exproto_type_str password) {
  auto& s = session(sp);
  if (!in_hook(s, "authenticate")) return 0;
  const uint64_t id = next_request_id(s);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::authenticate, id);
  // Fields the codec's (older, smaller) struct does not have travel as empty strings.
  const auto field = [&](auto member, std::size_t end) {
    return ci != nullptr && ci->struct_size >= end ? view(ci->*member) : std::string_view{};
  };
  using CI = exproto_type_clientinfo;
  f.str(field(&CI::proto_name, offsetof(CI, proto_name) + sizeof(exproto_type_str)));
  f.str(field(&CI::proto_ver, offsetof(CI, proto_ver) + sizeof(exproto_type_str)));
  f.str(field(&CI::clientid, offsetof(CI, clientid) + sizeof(exproto_type_str)));
  f.str(field(&CI::username, offsetof(CI, username) + sizeof(exproto_type_str)));
  f.str(field(&CI::mountpoint, offsetof(CI, mountpoint) + sizeof(exproto_type_str)));
  f.str(view(password));
  f.finish();
  s.link->queued();
  return id;
}

uint64_t start_keepalive(exproto_type_session_host_ptr sp, uint32_t interval_s) {
  auto& s = session(sp);
  if (!in_hook(s, "start_keepalive")) return 0;
  const uint64_t id = next_request_id(s);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::start_keepalive, id);
  f.u32(interval_s);
  f.finish();
  s.link->queued();
  return id;
}

uint64_t publish_as(HostFn fn, const char* what, exproto_type_session_host_ptr sp, exproto_type_str topic,
                    uint32_t qos, exproto_type_bytes payload) {
  auto& s = session(sp);
  if (!in_hook(s, what)) return 0;
  const uint64_t id = next_request_id(s, qos);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, fn, id);
  f.str(view(topic)).u32(qos).str(view(payload));
  f.finish();
  s.link->queued();
  return id;
}

uint64_t publish(exproto_type_session_host_ptr sp, exproto_type_str topic, uint32_t qos, exproto_type_bytes payload) {
  return publish_as(HostFn::publish, "publish", sp, topic, qos, payload);
}

uint64_t raw_publish(exproto_type_session_host_ptr sp, exproto_type_str topic, uint32_t qos,
                     exproto_type_bytes payload) {
  return publish_as(HostFn::raw_publish, "raw_publish", sp, topic, qos, payload);
}

uint64_t subscribe(exproto_type_session_host_ptr sp, exproto_type_str filter, uint32_t qos) {
  auto& s = session(sp);
  if (!in_hook(s, "subscribe")) return 0;
  const uint64_t id = next_request_id(s, qos);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::subscribe, id);
  f.str(view(filter)).u32(qos);
  f.finish();
  s.link->queued();
  return id;
}

uint64_t unsubscribe(exproto_type_session_host_ptr sp, exproto_type_str filter) {
  auto& s = session(sp);
  if (!in_hook(s, "unsubscribe")) return 0;
  const uint64_t id = next_request_id(s);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::unsubscribe, id);
  f.str(view(filter));
  f.finish();
  s.link->queued();
  return id;
}

// Timers: the child counts the session's running timers against the same limit as the host (the
// hook frame says which are running) and applies the same delay bound, so it refuses exactly the
// timers the host would refuse.
uint64_t timer_start(exproto_type_session_host_ptr sp, uint64_t delay_ms, uint64_t tag) {
  auto& s = session(sp);
  if (!in_hook(s, "timer_start")) return 0;
  uint64_t id = 0;
  if (s.timers.size() < s.max_timers && delay_ms <= EXPROTO_TIMER_MAX_DELAY_MS) {
    id = s.next_timer_id++;
    s.timers.push_back(id);
  }
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::timer_start, id);  // a refusal too: the host logs and counts it
  f.u64(delay_ms).u64(tag);
  f.finish();
  s.link->queued();
  return id;
}

bool timer_cancel(exproto_type_session_host_ptr sp, uint64_t timer_id) {
  auto& s = session(sp);
  if (!in_hook(s, "timer_cancel")) return false;
  const auto it = std::find(s.timers.begin(), s.timers.end(), timer_id);
  if (it == s.timers.end()) return false;  // fired (delivered) already, cancelled, or never started
  s.timers.erase(it);
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::timer_cancel, timer_id);
  f.finish();
  s.link->queued();
  return true;
}

bool state_write(exproto_type_codec_host_ptr writer, exproto_type_bytes chunk) {
  auto& s = *static_cast<RunnerSession*>(writer);
  if (!in_hook(s, "state writer") || !s.exporting) return false;
  FrameWriter f(Op::call, s.link->out());
  call_head(f, HostFn::state_write, 0);
  f.str(view(chunk));
  f.finish();
  return s.link->call_and_wait() != 0;
}

}  // namespace

void HookLink::queued() {
  if (out_.size() >= kFlushAt) flush();
}

void HookLink::flush() {
  if (out_.empty()) return;
  if (!channel_.write(out_)) std::_Exit(0);
  out_.clear();
  if (out_.capacity() > 4 * kFlushAt) out_.shrink_to_fit();  // one huge hook must not pin its size
}

uint64_t HookLink::call_and_wait() {
  flush();
  std::string_view body;
  if (channel_.read(body) != ipc::Channel::Read::frame) std::_Exit(0);
  ipc::FrameReader r(body);
  const auto op = r.op();
  const uint64_t value = r.u64();
  if (op != Op::reply || !r.complete()) std::_Exit(3);
  return value;
}

namespace {

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

void RunnerCodec::log(int32_t level, std::string_view msg) {
  if (level >= EXPROTO_LOG_WARN) {
    std::lock_guard lock(mu_);
    if (creating_) last_problem_.assign(msg);
  }
  spdlog::log(to_spdlog(level), "[codec {}] {}", name_, msg);
}

std::string RunnerCodec::end_creation() {
  std::lock_guard lock(mu_);
  creating_ = false;
  return last_problem_;
}

const exproto_host_api* runner_host_api() { return &kTable; }

exproto_type_state_writer state_writer(RunnerSession& session) {
  return exproto_type_state_writer{sizeof(exproto_type_state_writer), &session, &state_write};
}

}  // namespace exproto::host::runner
