// Sequences of ExProto events through the host's real Dispatcher, Sessions, WorkerPool and
// TimerService, fed the way the handler services feed them (each event with its answer to EMQX),
// for four conn ids: creates, bytes, messages, keepalive timeouts and closes in any order, with
// duplicates, unknown conns, unrouted listeners, events that overtake their OnSocketCreated
// (streaming), and EMQX's answers to the codec's calls whenever the input says, with any code.
// The codec (fuzz_codec.cpp) checks its side of the contract; this driver checks the host's:
//   - every answer owed to EMQX is given exactly once, none is left when the host is idle;
//   - the sessions the dispatcher holds are among the conns EMQX has open, and the
//     sessions_active gauge counts exactly them;
//   - once every conn is closed: no session, held event, timer or queued byte is left, and
//     destroying the host ends the codec instance after all its sessions.
// Input: byte 0 picks the limits (tight queues, inline hooks, unknown-conn policy, hold time) and
// the handler mode; then one event per step: an opcode byte, a conn byte, and the event's bytes.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_input.h"
#include "fuzz_upstream.h"
#include "host/metrics/metrics.h"
#include "host/registry/codec_instance.h"
#include "host/session/dispatcher.h"
#include "host/session/host_api.h"
#include "host/session/session.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"

namespace exproto::host::fuzz {
namespace {

constexpr uint32_t kRoutedPort = 7993;
constexpr std::size_t kConns = 4;
constexpr std::size_t kMaxSteps = 64;
constexpr std::chrono::seconds kDrainLimit{10};

// The answers owed to EMQX, one slot per event; each Ack bumps its slot when answered.
class AckLedger {
 public:
  AckLedger() : slots_(kMaxSteps + kConns) {}
  Ack make() {
    require(next_ < slots_.size(), "more events than ledger slots");
    std::atomic<int>& slot = slots_[next_++];
    return Ack([&slot](bool, const std::string&) {
      require(slot.fetch_add(1) == 0, "an answer to EMQX was given twice");
    });
  }
  std::size_t unanswered() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < next_; ++i) n += slots_[i].load() == 0 ? 1 : 0;
    return n;
  }

 private:
  std::vector<std::atomic<int>> slots_;
  std::size_t next_ = 0;
};

int32_t answer_code(uint8_t b) {
  constexpr int32_t kCodes[] = {EXPROTO_RESULT_SUCCESS, EXPROTO_RESULT_UNKNOWN, EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE,
                                EXPROTO_RESULT_PERMISSION_DENY, EXPROTO_RESULT_HOST_UNAVAILABLE,
                                EXPROTO_RESULT_HOST_DEADLINE};
  return kCodes[b % std::size(kCodes)];
}

SessionsConfig limits_from(uint8_t b) {
  SessionsConfig limits;
  if ((b & 1) != 0) {  // tight: back-pressure, refused calls and timers show up within a few events
    limits.max_queued_events = 2;
    limits.max_pending_calls = 2;
    limits.max_timers = 2;
    limits.max_queued_bytes = 64;
  }
  limits.inline_hooks = (b & 2) != 0;
  limits.unknown_conn = static_cast<UnknownConnPolicy>((b >> 2) % 3);
  limits.stream_hold_ms = (b & 16) != 0 ? 5 : 2000;
  return limits;
}

// One host core, as the App builds it minus gRPC: members in construction order.
struct Host {
  explicit Host(const SessionsConfig& limits)
      : limits(limits),
        pool(2, WorkerPool::Watchdog{std::chrono::milliseconds(limits.hook_timeout_ms), limits.max_extra_workers, &metrics}) {
    auto library = CodecLibrary::load("linked-in", {}, host_api_table());
    require(library.has_value(), "linked codec refused:", library ? "" : library.error());
    auto made = CodecInstance::create(*library, host_api_table(), "{}");
    require(made.has_value(), "codec instance refused:", made ? "" : made.error());
    instance = *made;
    RouteTable routes;
    routes.add(ListenerKey{kRoutedPort, SockType::tcp}, instance);
    SessionEnv env{pool, timers, upstream, metrics, limits, host_api_table(), {}};
    env.budget = budget;
    env.log_limits = std::make_shared<LogLimiter>(&metrics.log_lines_suppressed);
    env.inline_policy = std::make_shared<InlinePolicy>(limits.inline_hooks);
    dispatcher = std::make_unique<Dispatcher>(std::move(env), std::move(routes));
  }

  // Answers EMQX's side until every session is idle and no call is held; false past the limit.
  // A session replaced by a second OnSocketCreated has left the table that wait_idle looks at
  // but still runs its queue (hooks, calls) up to its close on its strand: idle also means that
  // every session sessions_active counts is in the table.
  bool drain(int32_t code) {
    const auto deadline = std::chrono::steady_clock::now() + kDrainLimit;
    while (std::chrono::steady_clock::now() < deadline) {
      const bool answered = upstream.answer_all(code) != 0;
      const bool replaced_done =
          metrics.sessions_active.get() == static_cast<int64_t>(dispatcher->session_count());
      if (!answered && replaced_done && dispatcher->wait_idle(std::chrono::steady_clock::now()) &&
          upstream.held() == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
  }

  SessionsConfig limits;
  Metrics metrics;
  HeldUpstream upstream;  // before the pool: answered calls may post into sessions until the end
  std::shared_ptr<MemoryBudget> budget = std::make_shared<MemoryBudget>(1 << 20, &metrics.queued_bytes);
  TimerService timers;
  WorkerPool pool;
  std::shared_ptr<CodecInstance> instance;
  std::unique_ptr<Dispatcher> dispatcher;
};

ConnMeta meta_from(Input& in) {
  const uint8_t b = in.byte();
  ConnMeta meta;
  meta.peer_host = "127.0.0.1";
  meta.peer_port = (b & 3) == 3 ? 666 : 1000 + (b & 1);  // 666: the codec refuses it
  meta.sock_host = "127.0.0.1";
  meta.sock_port = (b & 4) != 0 ? kRoutedPort + 1 : kRoutedPort;  // +1: no route
  return meta;
}

Event messages_from(Input& in) {
  event::Messages m;
  const std::size_t n = 1 + in.byte() % 3;
  for (std::size_t i = 0; i < n; ++i) {
    DeliveredMessage msg;
    msg.topic = "t/fuzz";
    msg.payload = in.bytes(4);
    m.messages.push_back(std::move(msg));
  }
  return m;
}

// Polls `done` until it holds or the drain limit passed.
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + kDrainLimit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

void check_idle(Host& host, const std::set<std::string>& open, const AckLedger& acks) {
  // A session replaced by a second OnSocketCreated leaves the table at once but is closed on its
  // own strand, which wait_idle does not watch: its held-back answers and its count in
  // sessions_active go when that close has run.
  require(eventually([&] { return acks.unanswered() == 0; }), "an answer to EMQX is still owed with the host idle");
  require(host.dispatcher->session_count() <= open.size(), "more sessions than conns EMQX has open");
  std::size_t sessions = 0;
  host.dispatcher->for_each_session([&](Session& s) {
    ++sessions;
    require(open.contains(s.conn()), "a session for a conn EMQX closed:", s.conn());
  });
  require(eventually([&] { return static_cast<int64_t>(sessions) == host.metrics.sessions_active.get(); }),
          "sessions_active differs from the sessions held");

}

void run(const uint8_t* data, std::size_t size) {
  Input in(data, size);
  const uint8_t setup = in.byte();
  const SessionsConfig limits = limits_from(setup);
  // One handler mode per run, as EMQX uses one per gateway: streaming events may overtake their
  // OnSocketCreated and be held.
  const Origin origin = (setup & 32) != 0 ? Origin::streaming : Origin::unary;
  AckLedger acks;  // outlives the host: answers given while it shuts down land here
  std::weak_ptr<CodecInstance> codec;
  {
    Host host(limits);
    codec = host.instance;
    host.instance.reset();  // the route table and the sessions hold it from here on
    std::set<std::string> open;  // conns EMQX has created and not closed, as EMQX sees them
    for (std::size_t step = 0; step < kMaxSteps && !in.empty(); ++step) {
      const uint8_t op = in.byte();
      const std::string conn = "c" + std::to_string(in.byte() % kConns);
      switch (op % 8) {
        case 0:
          host.dispatcher->created(origin, conn, meta_from(in), acks.make());
          open.insert(conn);
          break;
        case 1:
        case 2: host.dispatcher->event(origin, conn, event::Bytes{in.bytes(8)}, acks.make()); break;
        case 3: host.dispatcher->event(origin, conn, messages_from(in), acks.make()); break;
        case 4: host.dispatcher->event(origin, conn, event::KeepaliveTimeout{}, acks.make()); break;
        case 5:
          host.dispatcher->event(Origin::unary, conn, event::Closed{"{shutdown,tcp_closed}"}, acks.make());
          open.erase(conn);
          break;
        case 6: host.upstream.answer_all(answer_code(in.byte())); break;
        case 7:
          require(host.drain(answer_code(in.byte())), "the host did not become idle");
          host.dispatcher->release_acks();  // held streaming answers (policy reject) wait for this
          check_idle(host, open, acks);
          break;
      }
    }
    // EMQX closes every conn: nothing of any session may be left after that.
    for (std::size_t i = 0; i < kConns; ++i)
      host.dispatcher->event(Origin::unary, "c" + std::to_string(i), event::Closed{"{shutdown,normal}"}, acks.make());
    open.clear();
    require(host.drain(EXPROTO_RESULT_SUCCESS), "the host did not become idle after every close");
    // A timer callback may be half done (a held conn's expiry gives it up, then asks EMQX to close
    // it): stopping the timer thread waits for it, and what it started is answered by one more drain.
    host.timers.stop();
    require(host.drain(EXPROTO_RESULT_SUCCESS), "the host did not become idle after the timers stopped");
    check_idle(host, open, acks);
    require(host.dispatcher->session_count() == 0, "a session outlived the close of its conn");
    require(host.metrics.sessions_active.get() == 0, "sessions_active is not 0 with every conn closed");
    require(host.dispatcher->held_count() == 0, "held events outlived the close of their conn");
    require(eventually([&] { return host.budget->used() == 0; }), "queued bytes are still counted with every conn closed:",
            std::to_string(host.budget->used()));
    // Session timers go with their sessions; only held-conn expiries could remain, and those
    // went with the closes above.
    require(eventually([&] { return host.timers.pending() == 0; }), "a timer outlived every session");
    // Shut down as the App does (the timers stopped above).
    host.pool.stop(std::chrono::steady_clock::now() + kDrainLimit);
    host.dispatcher.reset();
  }
  require(acks.unanswered() == 0, "an answer to EMQX was never given");
  require(codec.expired(), "the codec instance outlived the host");
}

}  // namespace
}  // namespace exproto::host::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The host logs every refusal; the fuzzer would spend its time there. FUZZ_LOG=debug shows it
  // all when a reproducer is replayed.
  const char* level = std::getenv("FUZZ_LOG");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  exproto::host::fuzz::run(data, size);
  return 0;
}
