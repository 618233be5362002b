// Driving one session's hooks, and what the tests read back from it.
#include "fake_session.h"

#include <cstddef>
#include <stdexcept>

namespace codectest {
namespace {

int32_t abi_kind(CallKind k) {
  switch (k) {
    case CallKind::send: return EXPROTO_CALL_SEND;
    case CallKind::close: return EXPROTO_CALL_CLOSE;
    case CallKind::authenticate: return EXPROTO_CALL_AUTHENTICATE;
    case CallKind::start_keepalive: return EXPROTO_CALL_START_KEEPALIVE;
    case CallKind::publish: return EXPROTO_CALL_PUBLISH;
    case CallKind::raw_publish: return EXPROTO_CALL_RAW_PUBLISH;
    case CallKind::subscribe: return EXPROTO_CALL_SUBSCRIBE;
    case CallKind::unsubscribe: return EXPROTO_CALL_UNSUBSCRIBE;
  }
  return -1;
}

}  // namespace

FakeSession::FakeSession(const CodecInstance& codec, std::string conn, exproto_type_socktype socktype)
    : codec_(&codec), d_(&codec.library().descriptor()), conn_(std::move(conn)), socktype_(socktype) {
  const auto info = conninfo();
  const auto status = d_->on_session_open(codec.handle(), this, {conn_.data(), conn_.size()}, &info, &state_);
  expect(status == EXPROTO_STATUS_OK, "session open failed");
  open_ = true;
}

exproto_type_conninfo FakeSession::conninfo() const {
  return {sizeof(exproto_type_conninfo), socktype_, {"127.0.0.1", 9}, 50000, {"127.0.0.1", 9}, 7993,
          {nullptr, 0}, {nullptr, 0}};
}

std::pair<exproto_type_status, std::string> FakeSession::export_state() {
  expect(open_, "session closed");
  expect(d_->struct_size > offsetof(exproto_codec_descriptor, on_session_export) && d_->on_session_export,
         "the codec has no on_session_export");
  std::string out;
  const exproto_type_state_writer writer{
      sizeof(exproto_type_state_writer), &out, [](exproto_type_codec_host_ptr sink, exproto_type_bytes chunk) {
        static_cast<std::string*>(sink)->append(reinterpret_cast<const char*>(chunk.ptr), chunk.len);
        return true;
      }};
  const auto status = d_->on_session_export(state_, &writer);
  return {status, std::move(out)};
}

exproto_type_status FakeSession::import_into(const CodecInstance& next, std::string_view state) {
  expect(open_, "session closed");
  const auto& nd = next.library().descriptor();
  expect(nd.struct_size > offsetof(exproto_codec_descriptor, on_session_import) && nd.on_session_import,
         "the next codec has no on_session_import");
  const auto info = conninfo();
  exproto_type_session_codec_ptr imported = nullptr;
  const auto status = nd.on_session_import(next.handle(), this, {conn_.data(), conn_.size()}, &info,
                                           {reinterpret_cast<const uint8_t*>(state.data()), state.size()}, &imported);
  if (status != EXPROTO_STATUS_OK) return status;
  const std::string_view migrated = "host:migrated";
  d_->on_session_close(state_, {migrated.data(), migrated.size()});
  codec_ = &next;
  d_ = &nd;
  state_ = imported;
  return status;
}

exproto_type_status FakeSession::migrate_to(const CodecInstance& next) {
  auto [status, state] = export_state();
  if (status != EXPROTO_STATUS_OK) return status;
  return import_into(next, state);
}

FakeSession::~FakeSession() { close(); }

void FakeSession::close(std::string_view reason) {
  if (!open_) return;
  open_ = false;
  d_->on_session_close(state_, {reason.data(), reason.size()});
}

std::uint64_t FakeSession::record(Call call) {
  call.id = refuse_calls ? 0 : host().next_id();
  if (call.id != 0) waiting_.push_back({call.id, call.kind});
  calls.push_back(std::move(call));
  return calls.back().id;
}

std::uint64_t FakeSession::timer_start(std::uint64_t delay_ms, std::uint64_t tag) {
  if (refuse_calls) return 0;
  const auto id = host().next_id();
  timers.push_back({id, delay_ms, tag, true});
  return id;
}

bool FakeSession::timer_cancel(std::uint64_t timer_id) {
  for (auto& t : timers) {
    if (t.id == timer_id && t.active) {
      t.active = false;
      return true;
    }
  }
  return false;
}

exproto_type_status FakeSession::fire(std::uint64_t timer_id) {
  expect(open_, "session closed");
  for (auto& t : timers) {
    if (t.id == timer_id && t.active) {
      t.active = false;
      return d_->on_session_timer(state_, t.id, t.tag);
    }
  }
  throw std::runtime_error("no active timer " + std::to_string(timer_id));
}

std::vector<Timer> FakeSession::active_timers() const {
  std::vector<Timer> out;
  for (const auto& t : timers) {
    if (t.active) out.push_back(t);
  }
  return out;
}

exproto_type_status FakeSession::bytes(std::string_view data) {
  expect(open_, "session closed");
  return d_->on_session_bytes(state_, {reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

exproto_type_status FakeSession::messages(const std::vector<Delivery>& deliveries) {
  expect(open_, "session closed");
  std::vector<exproto_type_message> msgs;
  for (const auto& d : deliveries) {
    msgs.push_back({sizeof(exproto_type_message),
                    {"emqx@127.0.0.1", 14},
                    {"0123456789ABCDEF0123456789ABCDEF", 32},
                    d.qos,
                    {"publisher", 9},
                    {d.topic.data(), d.topic.size()},
                    {reinterpret_cast<const uint8_t*>(d.payload.data()), d.payload.size()},
                    1700000000000});
  }
  return d_->on_session_messages(state_, msgs.data(), msgs.size());
}

exproto_type_status FakeSession::keepalive_timeout() {
  expect(open_, "session closed");
  return d_->on_session_keepalive_timeout(state_);
}

exproto_type_status FakeSession::resolve_next(std::int32_t code, std::string_view message) {
  expect(open_, "session closed");
  expect(!waiting_.empty(), "no call is waiting for a result");
  const auto w = waiting_.front();
  waiting_.pop_front();
  const exproto_type_call_result r{sizeof(exproto_type_call_result), w.id, abi_kind(w.kind), code,
                                   {message.data(), message.size()}};
  return d_->on_session_result(state_, &r);
}

exproto_type_status FakeSession::resolve_all(std::optional<CallKind> failing, std::int32_t code,
                                             std::string_view message) {
  while (!waiting_.empty()) {
    const bool fail = failing && waiting_.front().kind == *failing;
    const auto status = resolve_next(fail ? code : EXPROTO_RESULT_SUCCESS, fail ? message : "");
    if (status != EXPROTO_STATUS_OK) return status;
  }
  return EXPROTO_STATUS_OK;
}

std::string FakeSession::take_sent() {
  std::string out;
  std::size_t seen = 0;
  for (const auto& c : calls) {
    if (c.kind != CallKind::send) continue;
    if (seen++ >= sent_seen_) out += c.data;
  }
  sent_seen_ = seen;
  return out;
}

std::vector<Call> FakeSession::calls_of(CallKind kind) const {
  std::vector<Call> out;
  for (const auto& c : calls) {
    if (c.kind == kind) out.push_back(c);
  }
  return out;
}

bool FakeSession::logged(std::string_view fragment) const {
  for (const auto& l : logs) {
    if (l.text.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace codectest
