#include "harness.h"

#include <doctest/doctest.h>

#include <thread>

#include "host/session/host_api.h"

namespace exproto::host::test {

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void FakeUpstream::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  std::unique_lock lk(mu_);
  calls_.push_back(RecordedCall{c.kind, c.conn, c.kind == EXPROTO_CALL_AUTHENTICATE ? c.clientinfo.clientid : c.data,
                                c.topic});
  cv_.notify_all();
  if (!auto_answer) {
    held_.push_back(std::move(done));
    return;
  }
  const int32_t code = answer_code;
  lk.unlock();
  done(UpstreamResult{code, code == 0 ? "" : "fake"});
}

bool FakeUpstream::answer_next(int32_t code, std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  if (!cv_.wait_for(lk, timeout, [this] { return !held_.empty(); })) return false;
  auto done = std::move(held_.front());
  held_.pop_front();
  lk.unlock();
  done(UpstreamResult{code, ""});
  return true;
}

std::size_t FakeUpstream::held() const {
  std::lock_guard lk(mu_);
  return held_.size();
}

std::vector<RecordedCall> FakeUpstream::calls() const {
  std::lock_guard lk(mu_);
  return calls_;
}

bool FakeUpstream::wait(const std::function<bool(const std::vector<RecordedCall>&)>& pred,
                        std::chrono::milliseconds timeout) const {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return pred(calls_); });
}

std::vector<std::string> FakeUpstream::sends(const std::string& conn) const {
  std::vector<std::string> out;
  for (const auto& c : calls())
    if (c.kind == EXPROTO_CALL_SEND && c.conn == conn) out.push_back(c.data);
  return out;
}

Harness::Harness(SessionsConfig limits, std::size_t workers) {
  timers = std::make_unique<TimerService>();
  pool = std::make_unique<WorkerPool>(
      workers, WorkerPool::Watchdog{std::chrono::milliseconds(limits.hook_timeout_ms), limits.max_extra_workers, &metrics});
  auto lib = CodecLibrary::load(UNIT_ECHO_CODEC, {}, host_api_table());
  REQUIRE_MESSAGE(lib.has_value(), (lib ? "" : lib.error()));
  library = *lib;
  auto instance = CodecInstance::create(library, host_api_table(), "{}");
  REQUIRE_MESSAGE(instance.has_value(), (instance ? "" : instance.error()));
  RouteTable routes;
  routes.add(ListenerKey{7993, SockType::tcp}, *instance);
  SessionEnv env{*pool, *timers, upstream, metrics, limits, host_api_table(), {}};
  env.budget = std::make_shared<MemoryBudget>(limits.max_total_queued_bytes, &metrics.queued_bytes);
  env.log_limits = std::make_shared<LogLimiter>(&metrics.log_lines_suppressed);
  env.inline_policy = std::make_shared<InlinePolicy>(limits.inline_hooks);
  env.reprobe = [hook = reprobe](std::weak_ptr<Session> s) {
    if (*hook) (*hook)(std::move(s));
  };
  dispatcher = std::make_unique<Dispatcher>(std::move(env), std::move(routes));
}

Harness::~Harness() {
  timers->stop();
  pool.reset();
  dispatcher.reset();
  timers.reset();
}

void Harness::create(const std::string& conn, uint32_t peer_port, Origin origin, uint32_t sock_port) {
  ConnMeta meta;
  meta.peer_host = "127.0.0.1";
  meta.peer_port = peer_port;
  meta.sock_host = "127.0.0.1";
  meta.sock_port = sock_port;
  dispatcher->created(origin, conn, meta, Ack{});
}

void Harness::bytes(const std::string& conn, const std::string& data, Origin origin) {
  dispatcher->event(origin, conn, event::Bytes{data}, Ack{});
}

Harness::AckState Harness::bytes_tracked(const std::string& conn, const std::string& data, Origin origin) {
  AckState st;
  dispatcher->event(origin, conn, event::Bytes{data}, Ack([st](bool ok, const std::string&) {
                      std::lock_guard lk(*st.mu);
                      *st.state = ok ? 1 : 2;
                    }));
  return st;
}

void Harness::closed(const std::string& conn, const std::string& reason) {
  dispatcher->event(Origin::unary, conn, event::Closed{reason}, Ack{});
}

}  // namespace exproto::host::test
