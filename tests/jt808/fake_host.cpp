#include "fake_host.h"

#include <dlfcn.h>

#include <stdexcept>

namespace jt808test {
namespace {

void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

std::string text(exproto_type_str s) { return s.len == 0 ? std::string() : std::string(s.ptr, s.len); }
std::string text(exproto_type_bytes b) {
  return b.len == 0 ? std::string() : std::string(reinterpret_cast<const char*>(b.ptr), b.len);
}
FakeSession& session_of(exproto_type_session_host_ptr p) { return *static_cast<FakeSession*>(p); }

Call make_call(CallKind kind, std::string data = {}, std::string payload = {}, std::uint32_t number = 0) {
  Call c;
  c.kind = kind;
  c.data = std::move(data);
  c.payload = std::move(payload);
  c.number = number;
  return c;
}

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

void host_log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  if (codec != nullptr) static_cast<FakeHost*>(codec)->codec_logs.push_back({level, text(msg)});
}
void host_session_log(exproto_type_session_host_ptr s, int32_t level, exproto_type_str msg) {
  session_of(s).log(level, text(msg));
}
uint64_t host_send(exproto_type_session_host_ptr s, exproto_type_bytes data) {
  return session_of(s).record(make_call(CallKind::send, text(data)));
}
uint64_t host_close(exproto_type_session_host_ptr s) { return session_of(s).record(make_call(CallKind::close)); }
uint64_t host_authenticate(exproto_type_session_host_ptr s, const exproto_type_clientinfo* ci, exproto_type_str pw) {
  // No throwing here: an exception must not unwind through the codec's C boundary.
  if (ci->struct_size < sizeof(exproto_type_clientinfo)) session_of(s).bad_clientinfo = true;
  Call c = make_call(CallKind::authenticate);
  c.proto_name = text(ci->proto_name);
  c.proto_ver = text(ci->proto_ver);
  c.clientid = text(ci->clientid);
  c.username = text(ci->username);
  c.mountpoint = text(ci->mountpoint);
  c.password = text(pw);
  return session_of(s).record(std::move(c));
}
uint64_t host_start_keepalive(exproto_type_session_host_ptr s, uint32_t interval_s) {
  return session_of(s).record(make_call(CallKind::start_keepalive, {}, {}, interval_s));
}
uint64_t host_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos, exproto_type_bytes payload) {
  return session_of(s).record(make_call(CallKind::publish, text(topic), text(payload), qos));
}
uint64_t host_raw_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos,
                          exproto_type_bytes payload) {
  return session_of(s).record(make_call(CallKind::raw_publish, text(topic), text(payload), qos));
}
uint64_t host_subscribe(exproto_type_session_host_ptr s, exproto_type_str filter, uint32_t qos) {
  return session_of(s).record(make_call(CallKind::subscribe, text(filter), {}, qos));
}
uint64_t host_unsubscribe(exproto_type_session_host_ptr s, exproto_type_str filter) {
  return session_of(s).record(make_call(CallKind::unsubscribe, text(filter)));
}
uint64_t host_timer_start(exproto_type_session_host_ptr s, uint64_t delay_ms, uint64_t tag) {
  return session_of(s).timer_start(delay_ms, tag);
}
bool host_timer_cancel(exproto_type_session_host_ptr s, uint64_t timer_id) { return session_of(s).timer_cancel(timer_id); }

}  // namespace

FakeHost::FakeHost() {
  api_.struct_size = sizeof(exproto_host_api);
  api_.abi_major = EXPROTO_ABI_MAJOR;
  api_.abi_minor = EXPROTO_ABI_MINOR;
  api_.host_version = "jt808-tests";
  api_.log = &host_log;
  api_.session_log = &host_session_log;
  api_.send = &host_send;
  api_.close = &host_close;
  api_.authenticate = &host_authenticate;
  api_.start_keepalive = &host_start_keepalive;
  api_.publish = &host_publish;
  api_.raw_publish = &host_raw_publish;
  api_.subscribe = &host_subscribe;
  api_.unsubscribe = &host_unsubscribe;
  api_.timer_start = &host_timer_start;
  api_.timer_cancel = &host_timer_cancel;
}

CodecLibrary::CodecLibrary(const std::string& path, FakeHost& host) : host_(host) {
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  const char* err = handle_ == nullptr ? dlerror() : nullptr;
  expect(handle_ != nullptr, "dlopen " + path + ": " + (err ? err : "?"));
  void* symbol = dlsym(handle_, EXPROTO_CODEC_ENTRY_SYMBOL);
  expect(symbol != nullptr, path + " lacks " + EXPROTO_CODEC_ENTRY_SYMBOL);
  descriptor_ = reinterpret_cast<exproto_codec_entry_fn>(symbol)(host.api());
  expect(descriptor_ != nullptr && descriptor_->abi_major == EXPROTO_ABI_MAJOR, "bad descriptor");
}

CodecLibrary::CodecLibrary(exproto_codec_entry_fn entry, FakeHost& host) : host_(host) {
  descriptor_ = entry(host.api());
  expect(descriptor_ != nullptr && descriptor_->abi_major == EXPROTO_ABI_MAJOR, "bad descriptor");
}

CodecLibrary::~CodecLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

CodecInstance::CodecInstance(const CodecLibrary& library, std::string_view config_json) : library_(library) {
  const auto status = library.descriptor().on_codec_create(
      library.host().api(), &library.host(), {config_json.data(), config_json.size()}, &codec_);
  const auto& logs = library.host().codec_logs;
  expect(status == EXPROTO_STATUS_OK,
         "codec refused config " + std::string(config_json) + ": " + (logs.empty() ? "" : logs.back().text));
}

CodecInstance::~CodecInstance() {
  if (codec_ != nullptr) library_.descriptor().on_codec_destroy(codec_);
}

std::optional<CodecInstance::Refusal> CodecInstance::refuse(const CodecLibrary& library, std::string_view config_json) {
  auto& logs = library.host().codec_logs;
  logs.clear();
  exproto_type_codec_codec_ptr codec = nullptr;
  const auto status = library.descriptor().on_codec_create(
      library.host().api(), &library.host(), {config_json.data(), config_json.size()}, &codec);
  if (status == EXPROTO_STATUS_OK) {
    library.descriptor().on_codec_destroy(codec);
    return std::nullopt;
  }
  Refusal r{status, {}};
  for (const auto& line : logs) {
    if (line.level >= EXPROTO_LOG_WARN) r.reason = line.text;
  }
  return r;
}

FakeSession::FakeSession(const CodecInstance& codec, std::string conn, exproto_type_socktype socktype)
    : codec_(codec), d_(codec.library().descriptor()) {
  const exproto_type_conninfo info{sizeof(exproto_type_conninfo), socktype, {"127.0.0.1", 9}, 50000,
                                   {"127.0.0.1", 9}, 7993, {nullptr, 0}, {nullptr, 0}};
  const auto status = d_.on_session_open(codec.handle(), this, {conn.data(), conn.size()}, &info, &state_);
  expect(status == EXPROTO_STATUS_OK, "session open failed");
  open_ = true;
}

FakeSession::~FakeSession() { close(); }

void FakeSession::close(std::string_view reason) {
  if (!open_) return;
  open_ = false;
  d_.on_session_close(state_, {reason.data(), reason.size()});
}

std::uint64_t FakeSession::record(Call call) {
  call.id = refuse_calls ? 0 : codec_.library().host().next_id();
  if (call.id != 0) waiting_.push_back({call.id, call.kind});
  calls.push_back(std::move(call));
  return calls.back().id;
}

std::uint64_t FakeSession::timer_start(std::uint64_t delay_ms, std::uint64_t tag) {
  if (refuse_calls) return 0;
  const auto id = codec_.library().host().next_id();
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
      return d_.on_session_timer(state_, t.id, t.tag);
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
  return d_.on_session_bytes(state_, {reinterpret_cast<const uint8_t*>(data.data()), data.size()});
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
  return d_.on_session_messages(state_, msgs.data(), msgs.size());
}

exproto_type_status FakeSession::keepalive_timeout() {
  expect(open_, "session closed");
  return d_.on_session_keepalive_timeout(state_);
}

exproto_type_status FakeSession::resolve_next(std::int32_t code, std::string_view message) {
  expect(open_, "session closed");
  expect(!waiting_.empty(), "no call is waiting for a result");
  const auto w = waiting_.front();
  waiting_.pop_front();
  const exproto_type_call_result r{sizeof(exproto_type_call_result), w.id, abi_kind(w.kind), code,
                                   {message.data(), message.size()}};
  return d_.on_session_result(state_, &r);
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

}  // namespace jt808test
