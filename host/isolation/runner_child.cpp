#include "host/isolation/runner_child.h"

#include <exproto/codec_abi.h>
#include <fmt/format.h>
#include <signal.h>
#include <sched.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "host/isolation/child_process.h"
#include "host/isolation/ipc_frame.h"

namespace exproto::host {

namespace {

constexpr std::chrono::milliseconds kStopGrace{2000};

std::string describe(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return fmt::format("exited with status {}", info.si_status);
  const int sig = info.si_status;
  const char* abbrev = ::sigabbrev_np(sig);
  std::string why = fmt::format("killed by signal {} (SIG{})", sig, abbrev != nullptr ? abbrev : "?");
  if (sig == SIGABRT) why += ", e.g. an exception that escaped a hook";
  return why;
}

}  // namespace

std::expected<std::shared_ptr<RunnerChild>, std::string> RunnerChild::start(const Options& o,
                                                                            const std::string& codec_name) {
  auto spawned = spawn_runner(o.exe, o.args, o.channels + o.lanes);
  if (!spawned) return std::unexpected(spawned.error());
  std::vector<std::unique_ptr<ipc::Channel>> channels;
  std::vector<std::unique_ptr<ipc::Channel>> lanes;
  for (auto& ends : spawned->channels) {
    auto& into = channels.size() < o.channels ? channels : lanes;
    into.push_back(std::make_unique<ipc::Channel>(std::move(ends.in), std::move(ends.out), true));
  }
  auto child = std::make_shared<RunnerChild>(
      Key{}, spawned->pid, ipc::Channel(std::move(spawned->control.in), std::move(spawned->control.out), true),
      std::move(channels));

  // Failing from here on, the child is killed and reaped by its destructor (or reaped here).
  ipc::FrameWriter create(ipc::Op::create);
  create.str(o.config_json);
  std::string_view body;
  const auto deadline = std::chrono::steady_clock::now() + o.startup_timeout;
  const bool sent = child->control_.write(create.finish());
  const auto got = sent ? child->control_.read(body, deadline) : ipc::Channel::Read::closed;
  if (got != ipc::Channel::Read::frame) {
    const bool timed_out = got == ipc::Channel::Read::timeout;
    child->kill(Cause::none, "");
    const std::string how = child->reap(std::chrono::milliseconds(0));
    if (timed_out) {
      return std::unexpected(fmt::format("codec '{}' was not created in its child within {} ms", codec_name,
                                         o.startup_timeout.count()));
    }
    return std::unexpected(fmt::format("the child {} before codec '{}' was created", how, codec_name));
  }
  ipc::FrameReader r(body);
  const auto op = r.op();
  const int32_t status = r.i32();
  const std::string reason(r.str());
  if (op != ipc::Op::created || !r.complete()) {
    child->kill(Cause::protocol, "");
    child->reap(std::chrono::milliseconds(0));
    return std::unexpected(fmt::format("the child of codec '{}' answered its creation with a malformed frame", codec_name));
  }
  if (status != EXPROTO_STATUS_OK) {
    child->dead_ = true;  // it exits on its own after a failed create
    child->reap(kStopGrace);
    return std::unexpected(fmt::format("codec '{}' failed to create (status {}): {}", codec_name, status,
                                       reason.empty() ? "no reason logged" : reason));
  }
  child->start_lanes(child, std::move(lanes), o.hook_timeout);
  return child;
}

void RunnerChild::start_lanes(const std::shared_ptr<RunnerChild>& self,
                              std::vector<std::unique_ptr<ipc::Channel>> lanes, std::chrono::milliseconds hook_timeout) {
  // An idle lane's reader looks at the clock this often, so a hook sent to it is timed from then.
  const auto tick = std::clamp(hook_timeout / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
  // Each lane has a home CPU among those this process may run on, where its reader and the
  // child's thread of it stay: the wake-ups between them, and from a sender on that CPU, do not
  // cross CPUs (three times the cost on the development VM).
  std::vector<uint32_t> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (uint32_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
    }
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const uint32_t home = cpus.empty() ? ipc::kAnyCpu : cpus[i % cpus.size()];
    lanes_.push_back(std::make_unique<HookLane>(self, std::move(lanes[i]), tick, home));
  }
}

HookLane* RunnerChild::pick_lane() const {
  if (dead() || lanes_.empty()) return nullptr;
  const int here = ::sched_getcpu();
  HookLane* best = nullptr;
  for (const auto& lane : lanes_) {
    if (best == nullptr || lane->waiting() < best->waiting() ||
        (lane->waiting() == best->waiting() && static_cast<int>(lane->home_cpu()) == here &&
         static_cast<int>(best->home_cpu()) != here)) {
      best = lane.get();
    }
  }
  return best;
}

RunnerChild::RunnerChild(Key, pid_t pid, ipc::Channel control, std::vector<std::unique_ptr<ipc::Channel>> channels)
    : pid_(pid), control_(std::move(control)), channels_(std::move(channels)) {
  for (auto& c : channels_) free_.push_back(c.get());
}

RunnerChild::~RunnerChild() {
  {
    std::lock_guard lk(mu_);
    if (reaped_) return;
  }
  if (!dead()) {
    // No session is left on it: let the codec run on_codec_destroy and the child exit by itself.
    ipc::FrameWriter destroy(ipc::Op::destroy);
    control_.write(destroy.finish());
  }
  reap(dead() ? std::chrono::milliseconds(0) : kStopGrace);
}

RunnerChild::Lease RunnerChild::lease(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(mu_);
  free_cv_.wait_until(lk, deadline, [&] { return dead() || !free_.empty(); });
  if (dead() || free_.empty()) return {};
  ipc::Channel* c = free_.back();
  free_.pop_back();
  return Lease(this, c);
}

void RunnerChild::give_back(ipc::Channel* channel) {
  {
    std::lock_guard lk(mu_);
    free_.push_back(channel);
  }
  free_cv_.notify_one();
}

void RunnerChild::kill(Cause cause, const std::string& reason) {
  {
    std::lock_guard lk(mu_);
    if (cause_ == Cause::none && cause != Cause::none) {
      cause_ = cause;
      kill_reason_ = reason;
    }
    dead_.store(true, std::memory_order_release);
    // A zombie until reaped (reap waits with WNOWAIT first), so the pid cannot be reused yet.
    if (!reaped_) ::kill(pid_, SIGKILL);
  }
  free_cv_.notify_all();
}

RunnerChild::Cause RunnerChild::cause() const {
  std::lock_guard lk(mu_);
  return cause_;
}

std::string RunnerChild::kill_reason() const {
  std::lock_guard lk(mu_);
  return kill_reason_;
}

std::string RunnerChild::reap(std::chrono::milliseconds grace) {
  {
    std::lock_guard lk(mu_);
    if (reaped_) return ended_how_;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  siginfo_t info{};
  bool killed = false;
  for (;;) {
    info = siginfo_t{};
    // WNOWAIT: the child stays a zombie, so a concurrent kill() can never hit a reused pid.
    const int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == pid_) break;
    if (rc != 0 && errno != EINTR) {
      std::lock_guard lk(mu_);
      reaped_ = true;
      ended_how_ = std::string("could not be waited for: ") + std::strerror(errno);
      return ended_how_;
    }
    if (!killed && std::chrono::steady_clock::now() >= deadline) {
      kill(Cause::none, "");
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::lock_guard lk(mu_);
  reaped_ = true;
  dead_.store(true, std::memory_order_release);
  ::waitpid(pid_, nullptr, WNOHANG);  // now really reap it
  ended_how_ = describe(info);
  free_cv_.notify_all();
  return ended_how_;
}

}  // namespace exproto::host
