#include "host/isolation/isolated_codec.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>

#include <algorithm>

#include "host/isolation/isolation_hub.h"
#include "host/isolation/proxy_hooks.h"
#include "host/metrics/metrics.h"
#include "host/registry/codec_library.h"

namespace exproto::host {

namespace {

// A child that served this long counts as healthy: the next death restarts after the first delay.
constexpr std::chrono::seconds kStableAfter{30};
// Deaths remembered for the reloader's rollback decision.
constexpr std::size_t kDeathsKept = 64;
// Spawn, exec, load and on_codec_create get this much on top of the hook timeout.
constexpr std::chrono::milliseconds kStartupAllowance{5000};
// How long a dying child has to exit before SIGKILL when reaped after its control pipe closed.
constexpr std::chrono::milliseconds kReapGrace{1000};

std::chrono::milliseconds backoff(const IsolationConfig& c, uint32_t quick_deaths) {
  uint64_t ms = c.restart_backoff_ms;
  for (uint32_t i = 1; i < quick_deaths && ms < c.restart_backoff_max_ms; ++i) ms *= 2;
  return std::chrono::milliseconds(std::min<uint64_t>(ms, c.restart_backoff_max_ms));
}

}  // namespace

std::expected<std::shared_ptr<IsolatedCodec>, std::string> IsolatedCodec::start(
    const std::shared_ptr<const CodecLibrary>& library, const std::string& config_json, std::string label,
    IsolationHub& hub) {
  const auto& s = hub.settings();
  // The exact bytes this generation was loaded from: the archived copy survives a later change of
  // the plugins folder, so a restart months later still runs the same code.
  const auto& file = !library->archive_path().empty() ? library->archive_path() : library->source();
  RunnerChild::Options o;
  o.exe = s.runner;
  o.args = {"codec-runner",   "--library",  file.string(),          "--sha256",
            library->sha256(), "--channels", std::to_string(s.channels + s.lanes), "--work-dir",
            s.work_dir.string(), "--log-level", s.log_level,           "--log-format",
            s.log_format,        "--label",     library->name() + "@" + label};
  o.channels = s.channels;
  o.lanes = s.lanes;
  o.hook_timeout = s.hook_timeout;
  o.config_json = config_json;
  o.startup_timeout = s.hook_timeout + kStartupAllowance;

  auto child = RunnerChild::start(o, library->name());
  if (!child) return std::unexpected(child.error());
  auto codec = std::make_shared<IsolatedCodec>(Key{}, hub, library->name(), std::move(label), std::move(o));
  codec->descriptor_ = proxy_descriptor(library->descriptor());
  {
    std::lock_guard lk(codec->mu_);
    codec->child_ = std::move(*child);
    codec->child_started_ = std::chrono::steady_clock::now();
  }
  spdlog::debug("codec '{}' ({}) runs in child pid {}", codec->name_, codec->label_, codec->pid());
  codec->supervisor_ = std::jthread([raw = codec.get()](std::stop_token stop) { raw->supervise(stop); });
  return codec;
}

IsolatedCodec::IsolatedCodec(Key, IsolationHub& hub, std::string name, std::string label,
                             RunnerChild::Options options)
    : hub_(hub),
      name_(std::move(name)),
      label_(std::move(label)),
      options_(std::move(options)),
      env_{hub.api(), &hub.metrics(), hub.settings().hook_timeout, &hub.lane_hooks()},
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

IsolatedCodec::~IsolatedCodec() {
  if (supervisor_.joinable()) {
    supervisor_.request_stop();
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    supervisor_.join();
  }
  std::shared_ptr<RunnerChild> child;
  {
    std::lock_guard lk(mu_);
    child = std::move(child_);
  }
  // Its destructor asks the child to destroy the instance and exit (no session is left).
}

std::shared_ptr<RunnerChild> IsolatedCodec::serving() const {
  std::lock_guard lk(mu_);
  return child_ && !child_->dead() ? child_ : nullptr;
}

pid_t IsolatedCodec::pid() const {
  std::lock_guard lk(mu_);
  return child_ ? child_->pid() : 0;
}

bool IsolatedCodec::start_hooks(exproto_type_session_codec_ptr state, std::span<const QueuedHook> hooks,
                                std::shared_ptr<HookWaiter> waiter) const {
  return start_queued_hooks(state, hooks, std::move(waiter));
}

RunnerFaults IsolatedCodec::faults() const {
  std::lock_guard lk(mu_);
  return RunnerFaults{std::vector(deaths_.begin(), deaths_.end()), last_reason_};
}

bool IsolatedCodec::sleep_until(std::chrono::steady_clock::time_point until, const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    pollfd p{wake_.get(), POLLIN, 0};
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1000)));
  }
  return false;
}

void IsolatedCodec::supervise(std::stop_token stop) {
  auto next_start = std::chrono::steady_clock::time_point{};
  while (!stop.stop_requested()) {
    std::shared_ptr<RunnerChild> child;
    {
      std::lock_guard lk(mu_);
      child = child_;
    }
    if (!child) {
      if (!sleep_until(next_start, stop)) return;
      auto fresh = RunnerChild::start(options_, name_);
      if (!fresh) {
        std::lock_guard lk(mu_);
        ++quick_deaths_;
        const auto delay = backoff(hub_.settings().config, quick_deaths_);
        next_start = std::chrono::steady_clock::now() + delay;
        spdlog::error("codec '{}' ({}): cannot restart its child: {}; next try in {} ms", name_, label_, fresh.error(),
                      delay.count());
        continue;
      }
      hub_.metrics().isolated_child_restarts.inc();
      std::lock_guard lk(mu_);
      child_ = std::move(*fresh);
      child_started_ = std::chrono::steady_clock::now();
      spdlog::debug("codec '{}' ({}) serving again in child pid {}", name_, label_, child_->pid());
      continue;
    }
    // The child never writes on its control pipe after creation: readable means it is gone.
    pollfd fds[2] = {{child->control_fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) {
      uint64_t drained = 0;
      [[maybe_unused]] auto n = ::read(wake_.get(), &drained, sizeof drained);
      continue;
    }
    if (fds[0].revents != 0) {
      on_death(child);
      std::lock_guard lk(mu_);
      next_start = std::chrono::steady_clock::now() + backoff(hub_.settings().config, quick_deaths_);
    }
  }
}

void IsolatedCodec::on_death(const std::shared_ptr<RunnerChild>& child) {
  child->kill(RunnerChild::Cause::none, "");  // no hook may start on it any more
  const std::string ended = child->reap(kReapGrace);
  const auto cause = child->cause();
  const std::string why = cause == RunnerChild::Cause::none ? ended : child->kill_reason();
  if (cause != RunnerChild::Cause::timeout) hub_.metrics().isolated_child_crashes.inc();

  const auto now = std::chrono::steady_clock::now();
  std::chrono::milliseconds delay;
  {
    std::lock_guard lk(mu_);
    child_.reset();
    quick_deaths_ = now - child_started_ >= kStableAfter ? 1 : quick_deaths_ + 1;
    delay = backoff(hub_.settings().config, quick_deaths_);
    deaths_.push_back(now);
    if (deaths_.size() > kDeathsKept) deaths_.pop_front();
    last_reason_ = why;
  }
  const std::size_t closed = hub_.close_sessions(instance_.load(), "codec child died: " + why);
  spdlog::error("codec '{}' ({}): child pid {} {}; {} session(s) closed, restarting in {} ms", name_, label_,
                child->pid(), cause == RunnerChild::Cause::none ? why : "killed: " + why, closed, delay.count());
}

}  // namespace exproto::host
