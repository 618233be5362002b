#include "socket_run.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "device_protocol.h"
#include "latency_histogram.h"
#include "host/os/unique_fd.h"

namespace exproto::bench {

using exproto::host::UniqueFd;
namespace {

using Clock = std::chrono::steady_clock;

uint64_t nanos_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<uint64_t>(std::max<int64_t>(0, std::chrono::nanoseconds(to - from).count()));
}

enum class Stage { connecting, logging_in, reporting, closed };

// One device. Touched only by its loop's thread.
struct Conn {
  UniqueFd fd;
  std::size_t device = 0;
  uint16_t serial = 1;  // the login frames used serials 0 and 1
  Stage stage = Stage::connecting;
  bool logged_in = false;
  bool writing = false;  // EPOLLOUT armed: the kernel did not take all of `out`
  std::string out;       // bytes the kernel has not taken yet
  std::string in;       // received bytes that are not a whole reply yet
  std::string report;   // the report frame, built once when it does not change per frame
  Clock::time_point opened_at;
  // send (or, open loop, scheduled) times of outstanding reports, oldest first
  std::vector<Clock::time_point> sent;
  std::size_t head = 0;
  std::size_t outstanding = 0;
  std::deque<Clock::time_point> due;  // open loop: frames due, not sent yet
};

constexpr uint64_t kWakeTag = 0;  // epoll data of the eventfd; a conn's is its local index + 1

}  // namespace

struct SocketRun::Shared {
  Shared(const LoadSettings& s, SocketTargets t)
      : settings(s), targets(std::move(t)), protocol(make_device_protocol(s.protocol, s.payload_bytes)) {
    if (!protocol) throw std::invalid_argument("unknown device protocol \"" + s.protocol + "\"");
    if (targets.host_ports.empty()) throw std::invalid_argument("no host port for the devices");
    targets.threads = std::max<std::size_t>(1, targets.threads);
  }

  void note(std::atomic<uint64_t>& counter, const std::string& what) {
    counter.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(error_mu);
    if (first_error.empty()) first_error = what;
  }

  const LoadSettings settings;
  SocketTargets targets;
  const std::unique_ptr<DeviceProtocol> protocol;
  const bool open_loop = settings.rate > 0;

  std::atomic<bool> measuring{false}, stopping{false}, forcing{false}, cancelling{false};
  std::atomic<uint64_t> scheduled{0};
  std::atomic<std::size_t> connected{0}, given_up{0}, closed{0}, open_sockets{0};
  alignas(64) std::atomic<uint64_t> acks{0};
  std::atomic<uint64_t> socket_errors{0}, nacks{0}, stray{0}, host_closes{0};
  std::atomic<int64_t> last_login_ns{-1};  // Clock's epoch
  LatencyHistogram frame_latency;
  LatencyHistogram connect_latency;
  LatencyHistogram tcp_connect_latency;  // connect() -> the socket is connected (the host accepted)
  std::mutex error_mu;
  std::string first_error;
};

// One epoll loop and the devices on it. Commands come from the measuring thread through the inbox
// and the eventfd; everything else happens on the loop's own thread.
class SocketRun::Loop {
 public:
  explicit Loop(Shared& shared) : s_(shared) {
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    wake_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!epoll_ || !wake_) throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
    thread_ = std::thread([this] { run(); });
  }

  ~Loop() {
    quit_.store(true);
    wake();
    thread_.join();
  }

  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void post_open(std::vector<std::size_t> devices) {
    {
      std::lock_guard lock(mu_);
      to_open_.insert(to_open_.end(), devices.begin(), devices.end());
    }
    wake();
  }

  void post_due(std::size_t device, Clock::time_point when) {
    {
      std::lock_guard lock(mu_);
      due_.emplace_back(device, when);
    }
    wake();
  }

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  }

 private:
  void run() {
    epoll_event events[256];
    while (!quit_.load()) {
      const int n = ::epoll_wait(epoll_.get(), events, 256, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        s_.note(s_.socket_errors, std::string("epoll_wait: ") + std::strerror(errno));
        return;
      }
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kWakeTag) {
          uint64_t count = 0;
          [[maybe_unused]] auto r = ::read(wake_.get(), &count, sizeof count);
          drain_inbox();
        } else {
          on_event(conns_[events[i].data.u64 - 1], events[i].events);
        }
      }
    }
  }

  void drain_inbox() {
    std::vector<std::size_t> opens;
    std::vector<std::pair<std::size_t, Clock::time_point>> due;
    {
      std::lock_guard lock(mu_);
      opens.swap(to_open_);
      due.swap(due_);
    }
    for (std::size_t device : opens) start(device);
    for (const auto& [device, when] : due) {
      Conn& c = conns_[local(device)];
      if (c.stage == Stage::closed) continue;
      c.due.push_back(when);
      s_.scheduled.fetch_add(1, std::memory_order_relaxed);
      send_reports(c);
    }
    if (s_.stopping.load() || s_.cancelling.load()) sweep();
  }

  std::size_t local(std::size_t device) const { return device / s_.targets.threads; }

  void start(std::size_t device) {
    Conn& c = conns_.emplace_back();
    c.device = device;
    c.sent.resize(std::max<std::size_t>(1, s_.settings.pipeline));
    c.opened_at = Clock::now();
    s_.open_sockets.fetch_add(1);
    c.fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) return fail(c, std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // devices send small frames
    const auto& ports = s_.targets.host_ports;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(ports[device % ports.size()]);
    if (::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)
      return fail(c, std::string("connect: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;  // EPOLLOUT: the connect completed (or failed)
    ev.data.u64 = conns_.size();
    c.writing = true;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &ev) != 0)
      return fail(c, std::string("epoll_ctl: ") + std::strerror(errno));
  }

  void on_event(Conn& c, uint32_t events) {
    if (c.stage == Stage::closed) return;
    if (c.stage == Stage::connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(c, std::string("connect: ") + std::strerror(err));
      c.stage = Stage::logging_in;
      s_.tcp_connect_latency.record(nanos_between(c.opened_at, Clock::now()));
      c.out += s_.protocol->login(c.device);
      flush(c);
      return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) read(c);
    if (c.stage != Stage::closed && (events & EPOLLOUT)) flush(c);
  }

  void read(Conn& c) {
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buf_, sizeof buf_, 0);
      if (n == 0) {
        s_.note(s_.host_closes, "the host closed a device's socket");
        return close(c);
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR) continue;
        return fail(c, std::string("recv: ") + std::strerror(errno));
      }
      const auto now = Clock::now();
      // Most reads hold whole replies: parse them straight from the buffer, keep only a tail.
      std::string_view stream(buf_, static_cast<std::size_t>(n));
      if (!c.in.empty()) {
        c.in.append(stream);
        stream = c.in;
      }
      std::size_t used = 0;
      while (c.stage != Stage::closed) {
        const std::size_t length = s_.protocol->reply_length(stream.substr(used));
        if (length == 0) break;
        on_reply(c, stream.substr(used, length), now);
        used += length;
      }
      if (c.stage == Stage::closed) return;
      std::string rest(stream.substr(used));
      c.in = std::move(rest);
      if (static_cast<std::size_t>(n) < sizeof buf_) return;  // drained: no need for one more EAGAIN
    }
  }

  void on_reply(Conn& c, std::string_view bytes, Clock::time_point now) {
    const auto reply = s_.protocol->read_reply(bytes);
    if (!reply || reply->kind == ReplyKind::other) return;
    if (reply->code != 0) s_.note(s_.nacks, "a device got a refusal (code " + std::to_string(reply->code) + ")");
    if (reply->kind == ReplyKind::login_ack) {
      if (c.logged_in) return;
      c.logged_in = true;
      c.stage = Stage::reporting;
      s_.connect_latency.record(nanos_between(c.opened_at, now));
      const int64_t at = std::chrono::nanoseconds(now.time_since_epoch()).count();
      for (int64_t last = s_.last_login_ns.load(); at > last && !s_.last_login_ns.compare_exchange_weak(last, at);) {
      }
      s_.connected.fetch_add(1);
      if (s_.targets.report && !s_.protocol->report_changes_per_frame()) c.report = s_.protocol->report(c.device, 0);
      return send_reports(c);
    }
    if (c.outstanding == 0) {
      s_.stray.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const Clock::time_point sent = c.sent[c.head];
    c.head = (c.head + 1) % c.sent.size();
    --c.outstanding;
    s_.acks.fetch_add(1, std::memory_order_relaxed);
    if (s_.measuring.load(std::memory_order_relaxed)) s_.frame_latency.record(nanos_between(sent, now));
    send_reports(c);
  }

  // Sends what the pipeline and, in open loop, the schedule allow; closes a device that is done.
  void send_reports(Conn& c) {
    if (s_.stopping.load()) {
      if (c.outstanding == 0 || !c.logged_in || s_.forcing.load()) close(c);
      return;
    }
    if (!s_.targets.report || c.stage != Stage::reporting) return;
    bool added = false;
    while (c.outstanding < c.sent.size() && (!s_.open_loop || !c.due.empty())) {
      if (c.report.empty()) c.out += s_.protocol->report(c.device, ++c.serial);
      else c.out += c.report;
      Clock::time_point at = Clock::now();
      if (s_.open_loop) {
        at = c.due.front();
        c.due.pop_front();
      }
      c.sent[(c.head + c.outstanding) % c.sent.size()] = at;
      ++c.outstanding;
      added = true;
    }
    if (added) flush(c);
  }

  void flush(Conn& c) {
    std::size_t done = 0;
    while (done < c.out.size()) {
      const ssize_t n = ::send(c.fd.get(), c.out.data() + done, c.out.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return fail(c, std::string("send: ") + std::strerror(errno));
    }
    c.out.erase(0, done);
    const bool want = !c.out.empty();
    if (want == c.writing) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = local(c.device) + 1;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
    c.writing = want;
  }

  // Stopping: devices with nothing outstanding (or all of them, when forced) close now.
  void sweep() {
    const bool all = s_.forcing.load() || s_.cancelling.load();
    for (auto& c : conns_)
      if (c.stage != Stage::closed && (all || c.outstanding == 0 || !c.logged_in)) close(c);
  }

  void fail(Conn& c, const std::string& why) {
    s_.note(s_.socket_errors, why);
    close(c);
  }

  void close(Conn& c) {
    if (c.stage == Stage::closed) return;
    c.fd.reset();  // also leaves the epoll set
    if (!c.logged_in) s_.given_up.fetch_add(1);
    c.stage = Stage::closed;
    std::string().swap(c.out);
    std::string().swap(c.in);
    s_.open_sockets.fetch_sub(1);
    s_.closed.fetch_add(1);
  }

  Shared& s_;
  UniqueFd epoll_;
  UniqueFd wake_;
  std::deque<Conn> conns_;  // device d is conns_[d / threads]: devices are opened in order
  char buf_[64 * 1024];     // one receive buffer per loop: an idle device holds none
  std::mutex mu_;
  std::vector<std::size_t> to_open_;
  std::vector<std::pair<std::size_t, Clock::time_point>> due_;
  std::atomic<bool> quit_{false};
  std::thread thread_;  // last: starts after everything above exists
};

SocketRun::SocketRun(const LoadSettings& settings, SocketTargets targets)
    : shared_(std::make_unique<Shared>(settings, std::move(targets))) {
  for (std::size_t i = 0; i < shared_->targets.threads; ++i) loops_.push_back(std::make_unique<Loop>(*shared_));
}

SocketRun::~SocketRun() { loops_.clear(); }

void SocketRun::open(std::size_t count) {
  const std::size_t threads = loops_.size();
  std::vector<std::vector<std::size_t>> per_loop(threads);
  for (std::size_t d = opened_; d < opened_ + count; ++d) per_loop[d % threads].push_back(d);
  opened_ += count;
  for (std::size_t i = 0; i < threads; ++i)
    if (!per_loop[i].empty()) loops_[i]->post_open(std::move(per_loop[i]));
}

std::size_t SocketRun::opened() const { return opened_; }

std::optional<std::chrono::steady_clock::time_point> SocketRun::last_login() const {
  const int64_t ns = shared_->last_login_ns.load();
  if (ns < 0) return std::nullopt;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

std::size_t SocketRun::open_sockets() const { return shared_->open_sockets.load(); }

double SocketRun::login_quantile_us(double q) const { return shared_->connect_latency.quantile_us(q); }
double SocketRun::tcp_connect_quantile_us(double q) const { return shared_->tcp_connect_latency.quantile_us(q); }

void SocketRun::start_all() { open(shared_->settings.conns); }
void SocketRun::set_measuring(bool on) { shared_->measuring.store(on, std::memory_order_relaxed); }

void SocketRun::schedule(std::chrono::steady_clock::time_point when) {
  if (opened_ == 0) return;
  const std::size_t device = next_conn_++ % opened_;
  loops_[device % loops_.size()]->post_due(device, when);
}

uint64_t SocketRun::scheduled() const { return shared_->scheduled.load(std::memory_order_relaxed); }

void SocketRun::stop() {
  shared_->stopping.store(true);
  for (auto& loop : loops_) loop->wake();
}

void SocketRun::force() {
  shared_->forcing.store(true);
  stop();
}

void SocketRun::cancel_all() {
  shared_->cancelling.store(true);
  stop();
}

std::size_t SocketRun::connected() const { return shared_->connected.load(); }
std::size_t SocketRun::settled() const { return shared_->connected.load() + shared_->given_up.load(); }
std::size_t SocketRun::closed() const { return shared_->closed.load(); }
int SocketRun::in_flight() const { return static_cast<int>(shared_->open_sockets.load()); }
uint64_t SocketRun::acks() const { return shared_->acks.load(std::memory_order_relaxed); }

void SocketRun::fill(LoadResult& r) const {
  const Shared& s = *shared_;
  r.latency_samples = s.frame_latency.count();
  r.p50_us = s.frame_latency.quantile_us(0.50);
  r.p99_us = s.frame_latency.quantile_us(0.99);
  r.p999_us = s.frame_latency.quantile_us(0.999);
  r.mean_us = s.frame_latency.mean_us();
  r.max_us = s.frame_latency.max_us();
  r.connect_p50_us = s.connect_latency.quantile_us(0.50);
  // The gRPC run's columns, read for sockets: a failed socket call, a refusal, an ack with no frame
  // outstanding, the host closing a device's socket.
  r.rpc_errors = s.socket_errors.load();
  r.nacks = s.nacks.load();
  r.stray_acks = s.stray.load();
  r.handler_closes = s.host_closes.load();
  std::lock_guard lock(shared_->error_mu);
  r.first_error = s.first_error;
}

}  // namespace exproto::bench
