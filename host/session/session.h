// One device connection: its codec state, its FIFO of events and its ordered upstream calls.
// Hooks run one at a time, in arrival order, on the worker pool (a strand: the session is posted
// at most once at a time).
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "host/registry/codec_instance.h"
#include "host/registry/hook_runner.h"
#include "host/session/ack.h"
#include "host/session/event.h"
#include "host/session/session_env.h"
#include "host/upstream/upstream.h"

namespace exproto::host {

class CallSequencer;

class Session : public std::enable_shared_from_this<Session>, private HookWaiter {
 public:
  enum class Phase {
    opening,       // Opened not processed yet
    open,          // the codec holds state
    codec_closed,  // the host ended the codec side; waiting for EMQX's OnSocketClosed
    finished,      // gone; events are dropped
  };

  static std::shared_ptr<Session> create(const SessionEnv& env, std::string conn,
                                         std::shared_ptr<CodecInstance> codec);
  ~Session();

  // Where an idle session runs the event: `post` hands it to the pool; `inline_if_idle` runs it
  // on the calling thread when nothing of the session is queued or running (the transport's
  // threads: no hop, no wake-up). Never inline under a lock or on a thread that must stay free.
  enum class Dispatch { post, inline_if_idle };
  // Queues an event (any thread). `ack` is answered now, or later when the session is back under
  // its limits (back-pressure towards EMQX).
  void push(Event ev, Ack ack = {}, Dispatch how = Dispatch::post);

  // Reconciliation (any thread): asks EMQX whether the conn still exists, at most one probe at a
  // time; a conn EMQX forgot ends its session. Probes never reach the codec.
  void probe();
  // When EMQX last showed the conn is alive (an event from it or an answer about it), in
  // steady-clock milliseconds.
  int64_t last_alive_ms() const { return last_alive_ms_.load(std::memory_order_relaxed); }

  // Nothing queued, running or waiting for EMQX (any thread; for an orderly shutdown).
  bool idle() const;
  // Answers every answer held back by back-pressure (shutdown: EMQX must not wait on them).
  void release_deferred_acks();

  const std::string& conn() const { return conn_; }
  // The generation serving this session now (any thread; a migration may change it).
  std::shared_ptr<CodecInstance> codec_snapshot() const;
  Phase phase() const { return phase_.load(); }

  // Host API (exproto_host_api) targets. Valid only from inside a hook of this session.
  uint64_t api_call(UpstreamCall call);
  uint64_t api_timer_start(uint64_t delay_ms, uint64_t tag);
  bool api_timer_cancel(uint64_t timer_id);
  void api_log(int32_t level, std::string_view msg);

  // Isolated routes (host/isolation). The codec runs in a child process whose host API returns
  // request and timer ids at once, without waiting for this process: it hands out the ids this
  // session will use next (lockstep; each hook tells the child where the counters stand), and the
  // calls follow one way. So each call arrives here with the id the codec already holds (0: the
  // child refused it itself, as this session would have). Only from inside a hook, like api_call.
  enum class ChildCall {
    taken,        // queued under that id
    refused,      // refused; an id the codec holds still gets its result, HOST_UNAVAILABLE + the reason
    out_of_step,  // not the id this session hands out next: the child is broken
    flooding,     // refused, and max_pending_calls refusals are already waiting: the hook must fail
  };
  ChildCall api_call_from_child(UpstreamCall call, uint64_t id);
  ChildCall api_timer_start_from_child(uint64_t delay_ms, uint64_t tag, uint64_t id);
  // Where the counters stand, for the child (inside a hook of this session).
  uint64_t next_request_id() const { return next_request_id_; }
  uint64_t next_timer_id() const { return next_timer_id_; }
  std::size_t max_timers() const { return env_.limits.max_timers; }
  template <class F>
  void for_each_timer(F&& f) const {
    for (const auto& entry : timers_) f(entry.first);
  }

  Session(const SessionEnv& env, std::string conn, std::shared_ptr<CodecInstance> codec);  // use create()

 private:
  // `blocking`: hooks that wait for something (an in-process codec's, an isolated codec's other
  // than bytes, messages and results) may run here; else such an event goes to the pool.
  void run(bool blocking = true);
  void process(Event& ev);
  void on_opened(event::Opened& e);
  void on_closed(const std::string& reason);
  void on_call_done(event::CallDone& e);
  void note_call_done(const event::CallDone& e);   // metrics and log lines of a result
  void after_result(const event::CallDone& e);     // what a result means for the session itself
  // Events an isolated codec's child runs in one exchange (Bytes, Messages, results), in order,
  // without holding this thread (HookRunner::start_hooks). False: its child is gone and the
  // events were handled here (the first hook failed).
  bool start_child_hooks();
  // What each of those events does around its hook, as process() would one by one.
  void finish_child_hooks(std::span<const exproto_type_status> statuses);
  // HookWaiter, on the child's lane reader: its calls, then its end.
  void calls_on_this_thread(bool on) override;
  void hooks_done(std::span<const exproto_type_status> statuses) override;
  void on_migrate(event::Migrate& m);
  void on_restart(const event::Restart& r);
  void on_probe();
  void close_if_hook_overran();
  // Export from the current generation, import into `target`, then free the old state.
  std::expected<void, std::string> migrate_to(const std::shared_ptr<CodecInstance>& target);
  exproto_type_conninfo conninfo() const;  // views into meta_
  // Ends the codec side after a failure and asks EMQX to close the conn.
  void close_from_host(const std::string& why);
  void finish();
  bool check_status(exproto_type_status st, const char* hook);
  bool in_hook() const;
  bool accepts_calls() const;
  // Why a call would be refused now (logged and counted), or nothing; reserves `bytes` of the host
  // budget when it is not refused.
  std::optional<std::string> call_refusal(const UpstreamCall& call, std::size_t bytes);
  bool over_limits_locked() const;
  bool calls_over_limits_locked() const;
  void clear_queue_locked();
  void cancel_all_timers();
  std::vector<Ack> take_releasable_acks_locked();

  const SessionEnv& env_;
  const std::string conn_;
  // Changed only by a migration, on the strand, under mu_ (so codec_snapshot() can read it).
  std::shared_ptr<CodecInstance> codec_;
  std::shared_ptr<CallSequencer> calls_;

  mutable std::mutex mu_;
  // A list, not a deque: libstdc++'s deque allocates ~550 B even when empty, and an idle session's
  // queue is empty (issue 9: memory per idle session).
  std::list<Event> queue_;
  std::size_t queued_bytes_ = 0;  // event_payload_bytes() of queue_, also reserved in env_.budget
  std::vector<Ack> deferred_acks_;
  bool scheduled_ = false;
  std::atomic<Phase> phase_{Phase::opening};
  std::atomic<int64_t> last_alive_ms_;
  std::atomic<bool> probe_outstanding_{false};

  // Strand-only state (touched by hooks and run() only).
  exproto_type_session_codec_ptr state_ = nullptr;
  ConnMeta meta_;  // as opened; a migration hands it to the next generation
  std::atomic<std::thread::id> hook_thread_{};
  bool hook_overran_ = false;  // the watchdog saw one of this session's hooks past its limit
  uint64_t next_request_id_ = 1;
  uint64_t next_timer_id_ = 1;
  std::unordered_map<uint64_t, uint64_t> timers_;  // session timer id -> TimerService id
  // Events whose hooks are in an isolated codec's child now, their payload bytes (still reserved
  // in env_.budget), and since when.
  std::vector<Event> in_child_;
  std::size_t in_child_bytes_ = 0;
  std::chrono::steady_clock::time_point in_child_since_;
  uint64_t linger_timer_ = 0;
};

}  // namespace exproto::host
