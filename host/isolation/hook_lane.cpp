#include "host/isolation/hook_lane.h"

#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "host/isolation/ipc_frame.h"
#include "host/isolation/runner_child.h"
#include "host/metrics/metrics.h"
#include "host/os/unique_fd.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {
using Clock = std::chrono::steady_clock;

// One frame of hooks waiting for the child: where it is in them.
struct Waiting {
  LaneHooks hooks;
  std::vector<exproto_type_status> statuses;  // kHookNotRun until each `done`
  std::size_t next = 0;                       // the hook the child answers now
  bool flooding = false;
  bool calls_here = false;  // the reader told the waiter it runs the calls
};

exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }
}  // namespace

struct HookLane::State {
  State(std::weak_ptr<RunnerChild> c, std::unique_ptr<ipc::Channel> ch, std::chrono::milliseconds t)
      : child(std::move(c)), channel(std::move(ch)), tick(t), wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    channel->make_writes_nonblocking();
  }

  void run();
  // Handles one frame of the child's; false when it broke the conversation (killed, lane failed).
  bool on_frame(std::string_view body);
  // The conversation is over: kill the child (when the host ends it), fail what waits.
  void fail(RunnerChild::Cause cause, const std::string& reason);
  // Writes `out`, then what others queued meanwhile, as the lane's one writer (the caller set
  // `writing` under mu; this clears it) and outside mu. What the pipe does not take goes back to
  // the front of `pending` for the reader to write when there is room. `reader`: called by the
  // reader, which polls for room next without being told.
  void write_as_writer(std::string_view out, bool reader);
  // The reader writes what waits in `pending`, unless a writer is at work (it takes it after its
  // own).
  void drain_pending();
  void poke() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake.get(), &one, sizeof one);
  }

  const std::weak_ptr<RunnerChild> child;
  const std::unique_ptr<ipc::Channel> channel;  // reads: the reader only; writes: the one `writing`
  const std::chrono::milliseconds tick;
  UniqueFd wake;  // eventfd: stop, or a write left bytes for the reader to write
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> count{0};

  std::mutex mu;
  std::deque<Waiting> waiting;  // references stay valid as others are pushed behind
  std::string pending;          // written when the pipe has room
  bool writing = false;         // a sender writes its frame outside the lock: nobody else writes
  bool closed = false;
  Clock::time_point head_since;  // when the oldest waiting hook became the one the child runs
};

HookLane::HookLane(std::weak_ptr<RunnerChild> child, std::unique_ptr<ipc::Channel> channel,
                   std::chrono::milliseconds tick, uint32_t home_cpu)
    : state_(std::make_shared<State>(std::move(child), std::move(channel), tick)), home_cpu_(home_cpu) {
  reader_ = std::thread([state = state_, home_cpu] {
    if (home_cpu != ipc::kAnyCpu && home_cpu < CPU_SETSIZE) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(home_cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);  // refused: the scheduler places it
    }
    state->run();
  });
}

HookLane::~HookLane() {
  state_->stop.store(true);
  state_->poke();
  if (reader_.get_id() == std::this_thread::get_id()) {
    reader_.detach();  // it holds the state and sees `stop` as soon as this returns
  } else {
    reader_.join();
  }
}

std::size_t HookLane::waiting() const { return state_->count.load(std::memory_order_relaxed); }

bool HookLane::submit(std::string_view frame, LaneHooks hooks) {
  auto& s = *state_;
  {
    std::lock_guard lk(s.mu);
    if (s.closed) return false;
    const bool idle = s.waiting.empty();
    if (idle) s.head_since = Clock::now();
    Waiting w{std::move(hooks), {}, 0, false, false};
    w.statuses.assign(w.hooks.names.size(), kHookNotRun);
    // Queued before it is written: the child may answer before this returns.
    if (w.hooks.env->lane_hooks != nullptr) w.hooks.env->lane_hooks->fetch_add(1);
    s.waiting.push_back(std::move(w));
    s.count.fetch_add(1, std::memory_order_relaxed);
    if (!idle || s.writing || !s.pending.empty()) {
      // The child is busy with hooks sent before, and the reader wakes for their answers: it
      // writes this one then, with every other that came meanwhile (one write for many, and no
      // wake-up of a child that is running anyway).
      s.pending.append(frame);
      return true;
    }
    s.writing = true;
  }
  // Written outside the lock: the child woken by it runs on this CPU and often preempts this
  // thread at once, and the reader must not wait for the lock meanwhile.
  s.write_as_writer(frame, false);
  return true;
}

void HookLane::State::write_as_writer(std::string_view out, bool reader) {
  std::string batch;
  for (;;) {
    const auto n = channel->write_some(out);
    std::lock_guard lk(mu);
    if (!n) {
      writing = false;  // the child is gone: the reader sees its end closed and fails the rest
      return;
    }
    if (*n < out.size()) {
      pending.insert(0, out.substr(*n));  // before whatever others queued meanwhile
      writing = false;
      break;
    }
    if (pending.empty()) {
      writing = false;
      return;
    }
    // Others queued frames meanwhile, and the reader may have found the writer busy: they go next.
    batch = std::exchange(pending, {});
    out = batch;
  }
  // The reader polls for room from now on (it looks at `pending` before every poll itself).
  if (!reader) poke();
}

void HookLane::State::drain_pending() {
  std::string batch;
  {
    std::lock_guard lk(mu);
    if (pending.empty() || writing) return;  // a sender writing takes what is queued after it
    batch.swap(pending);
    writing = true;
  }
  write_as_writer(batch, true);
}

void HookLane::State::run() {
  for (;;) {
    if (stop.load()) return;
    bool want_out = false;
    int timeout_ms = static_cast<int>(tick.count());
    std::string overran;  // the kill reason when the oldest hook ran past its limit
    drain_pending();
    {
      std::lock_guard lk(mu);
      want_out = !pending.empty() && !writing;
      if (!waiting.empty()) {
        const auto& w = waiting.front();
        const auto deadline = head_since + w.hooks.env->timeout;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
          w.hooks.env->metrics->isolated_hook_timeouts.inc();
          overran = fmt::format("{} ran longer than {} ms (sessions.hook_timeout_ms)", w.hooks.names[w.next],
                                w.hooks.env->timeout.count());
        }
        timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, timeout_ms));
      }
    }
    if (!overran.empty()) {
      fail(RunnerChild::Cause::timeout, overran);
      return;
    }
    pollfd fds[3] = {{channel->in_fd(), POLLIN, 0}, {wake.get(), POLLIN, 0}, {want_out ? channel->out_fd() : -1, POLLOUT, 0}};
    const int ready = ::poll(fds, 3, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      fail(RunnerChild::Cause::none, "");
      return;
    }
    if (ready <= 0) continue;
    if (fds[1].revents != 0) {
      uint64_t drained = 0;
      [[maybe_unused]] auto n = ::read(wake.get(), &drained, sizeof drained);
    }
    if (fds[2].revents != 0) drain_pending();
    if (fds[0].revents == 0) continue;
    channel->readable();
    for (;;) {
      std::string_view body;
      const auto got = channel->read_now(body);
      if (got == ipc::Channel::Read::timeout) break;
      if (got == ipc::Channel::Read::frame) {
        if (!on_frame(body)) return;
        continue;
      }
      std::string hook = "a hook";
      {
        std::lock_guard lk(mu);
        if (!waiting.empty()) hook = waiting.front().hooks.names[waiting.front().next];
      }
      if (got == ipc::Channel::Read::bad) {
        fail(RunnerChild::Cause::protocol, fmt::format("it sent a malformed frame during {}", hook));
      } else {
        fail(RunnerChild::Cause::none, "");  // gone on its own: the supervisor says how
      }
      return;
    }
  }
}

bool HookLane::State::on_frame(std::string_view body) {
  Waiting* head = nullptr;
  {
    std::lock_guard lk(mu);
    if (!waiting.empty()) head = &waiting.front();
  }
  if (head == nullptr) {
    fail(RunnerChild::Cause::protocol, "it answered a hook that was not sent");
    return false;
  }
  auto& w = *head;
  const char* hook = w.hooks.names[w.next];
  ipc::FrameReader r(body);
  const auto op = r.op();
  if (op == ipc::Op::call) {
    if (!std::exchange(w.calls_here, true)) w.hooks.waiter->calls_on_this_thread(true);
    uint64_t value = 0;
    const ServedCall served = serve_child_call(r, w.hooks.target, value);
    switch (served) {
      case ServedCall::ok: return true;
      case ServedCall::out_of_step:
        fail(RunnerChild::Cause::protocol,
             fmt::format("during {} it handed the codec an id out of step with the host session", hook));
        return false;
      case ServedCall::flooding:
        if (!std::exchange(w.flooding, true)) {
          spdlog::error("conn {}: codec kept calling during {} while as many refused calls as "
                        "sessions.max_pending_calls waited for their results; failing the hook",
                        static_cast<Session*>(w.hooks.target.session)->conn(), hook);
        }
        return true;
      case ServedCall::reply:      // only an export writes state, and exports do not use lanes
      case ServedCall::malformed: break;
    }
  } else if (op == ipc::Op::log) {
    const int32_t level = r.i32();
    const auto text = r.str();
    if (r.complete()) {
      w.hooks.env->api->session_log(w.hooks.target.session, level, str(text));
      return true;
    }
  } else if (op == ipc::Op::done) {
    exproto_type_status status = r.i32();
    r.u64();
    if (r.complete()) {
      if (std::exchange(w.flooding, false) && status == EXPROTO_STATUS_OK) status = EXPROTO_STATUS_LIMIT;
      w.statuses[w.next] = status;
      // The child runs no hook after one that failed.
      if (status == EXPROTO_STATUS_OK && ++w.next < w.statuses.size()) {
        std::lock_guard lk(mu);
        head_since = Clock::now();
        return true;
      }
      Waiting done;
      {
        std::lock_guard lk(mu);
        done = std::move(waiting.front());
        waiting.pop_front();
        count.fetch_sub(1, std::memory_order_relaxed);
        head_since = Clock::now();
      }
      if (done.calls_here) done.hooks.waiter->calls_on_this_thread(false);
      done.hooks.waiter->hooks_done(done.statuses);
      if (done.hooks.env->lane_hooks != nullptr) done.hooks.env->lane_hooks->fetch_sub(1);
      return !stop.load();
    }
  }
  fail(RunnerChild::Cause::protocol, fmt::format("it sent a malformed frame during {}", hook));
  return false;
}

void HookLane::State::fail(RunnerChild::Cause cause, const std::string& reason) {
  if (auto c = child.lock()) c->kill(cause, reason);
  std::deque<Waiting> failed;
  {
    std::lock_guard lk(mu);
    closed = true;
    failed.swap(waiting);
    pending.clear();
    count.store(0);
  }
  bool first = true;
  for (auto& w : failed) {
    // The hook the child was in fails; the ones after it, and every later frame, never ran.
    if (first) w.statuses[w.next] = EXPROTO_STATUS_ERROR;
    else w.statuses[0] = EXPROTO_STATUS_ERROR;
    first = false;
    if (w.calls_here) w.hooks.waiter->calls_on_this_thread(false);
    w.hooks.waiter->hooks_done(w.statuses);
    if (w.hooks.env->lane_hooks != nullptr) w.hooks.env->lane_hooks->fetch_sub(1);
  }
}

}  // namespace exproto::host
