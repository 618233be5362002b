#include "load_run.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "exproto.grpc.pb.h"
#include "device_protocol.h"
#include "latency_histogram.h"

namespace exproto::bench {
namespace {
namespace v1 = emqx::exproto::v1;
using Clock = std::chrono::steady_clock;
using Stub = v1::ConnectionUnaryHandler::Stub;

// What a conn last sent; together with rpc_in_flight it says what may be sent next.
enum class Stage { idle, creating, connecting, publishing, closing, closed };
enum class Action { none, create, connect, publish, close };

// One simulated device connection. Like EMQX's gcli queue, at most one handler RPC is in flight
// per conn; the requests live here and are reused because only that one RPC reads them.
struct Conn {
  std::mutex mu;
  Stub* stub = nullptr;
  std::size_t device = 0;
  uint16_t serial = 0;          // the next report's serial number, for protocols that carry one
  Stage stage = Stage::idle;
  bool rpc_in_flight = false;
  bool connack = false;
  bool failed = false;          // an RPC failed: EMQX would close the device
  bool handler_closed = false;  // the handler called Close
  std::unique_ptr<grpc::ClientContext> ctx;
  v1::SocketCreatedRequest created;
  v1::ReceivedBytesRequest connect_frame;
  v1::ReceivedBytesRequest publish_frame;
  v1::SocketClosedRequest closed;
  v1::EmptySuccess reply;
  Clock::time_point connect_sent;
  // send times of outstanding PUBLISH frames, oldest first; PUBACKs arrive in frame order
  std::vector<Clock::time_point> sent;
  std::size_t head = 0;
  std::size_t outstanding = 0;
  // open loop: frames whose scheduled time came, not sent yet (the device is still waiting for
  // the previous frame's RPC); latency counts from the scheduled time
  std::deque<Clock::time_point> due;
};

std::unique_ptr<DeviceProtocol> protocol_for(const LoadSettings& s) {
  auto protocol = make_device_protocol(s.protocol, s.payload_bytes);
  if (!protocol) throw std::invalid_argument("unknown device protocol \"" + s.protocol + "\"");
  return protocol;
}

uint64_t nanos_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<uint64_t>(std::max<int64_t>(0, std::chrono::nanoseconds(to - from).count()));
}

}  // namespace

// Runs on gRPC threads: adapter calls (on_send/on_close) and RPC completions drive every conn;
// the thread that called run_load only switches phases.
class LoadRun::Impl {
 public:
  explicit Impl(const LoadSettings& s)
      : settings_(s), protocol_(protocol_for(s)), prefix_("b" + std::to_string(s.run_tag) + "."), conns_(s.conns) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, s.channels); ++i) {
      grpc::ChannelArguments args;
      // distinct args + a local pool => one TCP connection per channel, like EMQX's pool
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("exproto_bench.channel", static_cast<int>(i));
      args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
      args.SetInt(GRPC_ARG_ENABLE_CHANNELZ, 0);  // per-call bookkeeping nobody reads here
      auto channel = grpc::CreateCustomChannel(s.handler_address, grpc::InsecureChannelCredentials(), args);
      stubs_.push_back(v1::ConnectionUnaryHandler::NewStub(channel));
    }
    for (std::size_t i = 0; i < conns_.size(); ++i) init_conn(i);
  }

  void start_all() {
    for (auto& c : conns_) advance(c);
  }

  void set_measuring(bool on) { measuring_.store(on, std::memory_order_relaxed); }

  // Open loop: the frames scheduled at `when` go to the conns in turn.
  void schedule(Clock::time_point when) {
    Conn& c = conns_[next_conn_++ % conns_.size()];
    {
      std::lock_guard lock(c.mu);
      if (c.stage != Stage::publishing && c.stage != Stage::connecting) return;
      c.due.push_back(when);
    }
    scheduled_.fetch_add(1, std::memory_order_relaxed);
    advance(c);
  }
  uint64_t scheduled() const { return scheduled_.load(std::memory_order_relaxed); }

  // No new frames from now on; each conn closes when its outstanding frames are acked.
  void stop() {
    stopping_.store(true);
    for (auto& c : conns_) advance(c);
  }

  // Close even conns still waiting for PUBACKs that may never come.
  void force() {
    forcing_.store(true);
    for (auto& c : conns_) advance(c);
  }

  void cancel_all() {
    for (auto& c : conns_) {
      std::lock_guard lock(c.mu);
      if (c.rpc_in_flight && c.ctx) c.ctx->TryCancel();
    }
  }

  void on_send(std::string_view conn, std::string_view bytes) {
    auto now = Clock::now();
    Conn* c = find(conn);
    if (!c) return;
    auto reply = protocol_->read_reply(bytes);
    if (!reply || reply->kind == ReplyKind::other) return;
    if (reply->code != 0) nacks_.fetch_add(1);
    if (reply->kind == ReplyKind::login_ack) on_connack(*c, now);
    if (reply->kind == ReplyKind::report_ack) on_puback(*c, now);
  }

  void on_close(std::string_view conn) {
    handler_closes_.fetch_add(1);
    if (Conn* c = find(conn)) {
      {
        std::lock_guard lock(c->mu);
        c->handler_closed = true;
      }
      advance(*c);
    }
  }

  std::size_t connected() const { return connected_.load(); }
  std::size_t settled() const { return connected_.load() + given_up_.load(); }
  std::size_t closed() const { return closed_.load(); }
  int rpcs_in_flight() const { return rpcs_in_flight_.load(); }
  uint64_t acks() const { return acks_.load(std::memory_order_relaxed); }

  void fill(LoadResult& r) const {
    r.latency_samples = frame_latency_.count();
    r.p50_us = frame_latency_.quantile_us(0.50);
    r.p99_us = frame_latency_.quantile_us(0.99);
    r.p999_us = frame_latency_.quantile_us(0.999);
    r.mean_us = frame_latency_.mean_us();
    r.max_us = frame_latency_.max_us();
    r.connect_p50_us = connect_latency_.quantile_us(0.50);
    r.rpc_errors = rpc_errors_.load();
    r.nacks = nacks_.load();
    r.stray_acks = stray_.load();
    r.handler_closes = handler_closes_.load();
    std::lock_guard lock(error_mu_);
    r.first_error = first_error_;
  }

 private:
  void init_conn(std::size_t i) {
    Conn& c = conns_[i];
    std::string id = prefix_ + std::to_string(i);
    c.stub = stubs_[i % stubs_.size()].get();
    c.device = i;
    c.serial = 1;  // the login frames used serials 0 and 1
    c.created.set_conn(id);
    auto* info = c.created.mutable_conninfo();
    info->set_socktype(v1::TCP);
    info->mutable_peername()->set_host("127.0.0.1");
    info->mutable_peername()->set_port(static_cast<uint32_t>(20000 + i % 40000));
    info->mutable_sockname()->set_host("127.0.0.1");
    info->mutable_sockname()->set_port(settings_.listener_port);
    c.connect_frame.set_conn(id);
    c.connect_frame.set_bytes(protocol_->login(i));
    c.publish_frame.set_conn(id);
    c.publish_frame.set_bytes(protocol_->report(i, c.serial));
    c.closed.set_conn(id);
    c.closed.set_reason("normal");
    c.sent.resize(std::max<std::size_t>(1, settings_.pipeline));
  }

  Conn* find(std::string_view id) {
    if (!id.starts_with(prefix_)) return nullptr;  // a late call from an earlier run
    std::size_t index = 0;
    auto digits = id.substr(prefix_.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc{} || end != digits.data() + digits.size() || index >= conns_.size()) return nullptr;
    return &conns_[index];
  }

  void on_connack(Conn& c, Clock::time_point now) {
    {
      std::lock_guard lock(c.mu);
      if (c.connack) return;
      c.connack = true;
      connect_latency_.record(nanos_between(c.connect_sent, now));
    }
    connected_.fetch_add(1);
    advance(c);
  }

  void on_puback(Conn& c, Clock::time_point now) {
    {
      std::lock_guard lock(c.mu);
      if (c.outstanding == 0) {
        stray_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      Clock::time_point sent = c.sent[c.head];
      c.head = (c.head + 1) % c.sent.size();
      --c.outstanding;
      acks_.fetch_add(1, std::memory_order_relaxed);
      if (measuring_.load(std::memory_order_relaxed)) frame_latency_.record(nanos_between(sent, now));
    }
    advance(c);
  }

  // Decides the conn's next RPC under its lock, then issues it outside the lock (a completion
  // may run on another thread at once and take the lock itself).
  void advance(Conn& c) {
    Action action = Action::none;
    {
      std::lock_guard lock(c.mu);
      if (c.rpc_in_flight) return;
      action = next_action(c);
      if (action == Action::none) return;
      c.rpc_in_flight = true;
      c.ctx = std::make_unique<grpc::ClientContext>();
      if (action == Action::connect) c.connect_sent = Clock::now();
      if (action == Action::publish) {
        // rebuilt under the lock: the previous report's RPC has completed (one in flight per conn)
        if (protocol_->report_changes_per_frame()) c.publish_frame.set_bytes(protocol_->report(c.device, ++c.serial));
        if (open_loop_) {
          c.sent[(c.head + c.outstanding) % c.sent.size()] = c.due.front();
          c.due.pop_front();
        } else {
          c.sent[(c.head + c.outstanding) % c.sent.size()] = Clock::now();
        }
        ++c.outstanding;
      }
    }
    issue(c, action);
  }

  Action next_action(Conn& c) {
    bool stopping = stopping_.load();
    bool give_up = c.failed || c.handler_closed;
    switch (c.stage) {
      case Stage::idle:
        c.stage = Stage::creating;
        return Action::create;
      case Stage::creating:
        if (give_up || stopping) break;
        c.stage = Stage::connecting;
        return Action::connect;
      case Stage::connecting:
        if (give_up || stopping) break;
        if (!c.connack) return Action::none;  // CONNACK has not arrived yet
        c.stage = Stage::publishing;
        [[fallthrough]];
      case Stage::publishing:
        if (give_up || (stopping && (c.outstanding == 0 || forcing_.load()))) break;
        if (stopping || c.outstanding >= c.sent.size()) return Action::none;
        if (open_loop_ && c.due.empty()) return Action::none;  // its next frame is not due yet
        return Action::publish;
      case Stage::closing:
        c.stage = Stage::closed;
        closed_.fetch_add(1);
        return Action::none;
      case Stage::closed:
        return Action::none;
    }
    // closing: a conn that never got its CONNACK will not get one any more
    if (!c.connack) given_up_.fetch_add(1);
    c.stage = Stage::closing;
    return Action::close;
  }

  void issue(Conn& c, Action action) {
    rpcs_in_flight_.fetch_add(1);
    auto done = [this, &c](grpc::Status status) { on_rpc_done(c, status); };
    auto* stub = c.stub->async();
    switch (action) {
      case Action::create: stub->OnSocketCreated(c.ctx.get(), &c.created, &c.reply, done); break;
      case Action::connect: stub->OnReceivedBytes(c.ctx.get(), &c.connect_frame, &c.reply, done); break;
      case Action::publish: stub->OnReceivedBytes(c.ctx.get(), &c.publish_frame, &c.reply, done); break;
      case Action::close: stub->OnSocketClosed(c.ctx.get(), &c.closed, &c.reply, done); break;
      case Action::none: break;
    }
  }

  void on_rpc_done(Conn& c, const grpc::Status& status) {
    {
      std::lock_guard lock(c.mu);
      c.rpc_in_flight = false;
      if (!status.ok() && !c.failed) {
        c.failed = true;
        note_error(status);
      }
    }
    advance(c);
    // last: once this reaches 0 with all conns closed, the run may be destroyed
    rpcs_in_flight_.fetch_sub(1);
  }

  void note_error(const grpc::Status& status) {
    rpc_errors_.fetch_add(1);
    std::lock_guard lock(error_mu_);
    if (first_error_.empty())
      first_error_ = "gRPC status " + std::to_string(status.error_code()) + ": " + status.error_message();
  }

  const LoadSettings settings_;
  const std::unique_ptr<DeviceProtocol> protocol_;
  const std::string prefix_;
  std::vector<std::unique_ptr<Stub>> stubs_;
  std::vector<Conn> conns_;

  std::atomic<bool> measuring_{false}, stopping_{false}, forcing_{false};
  const bool open_loop_ = settings_.rate > 0;
  std::atomic<std::size_t> next_conn_{0};
  std::atomic<uint64_t> scheduled_{0};
  std::atomic<std::size_t> connected_{0}, given_up_{0}, closed_{0};
  std::atomic<int> rpcs_in_flight_{0};
  alignas(64) std::atomic<uint64_t> acks_{0};
  std::atomic<uint64_t> rpc_errors_{0}, nacks_{0}, stray_{0}, handler_closes_{0};
  LatencyHistogram frame_latency_;
  LatencyHistogram connect_latency_;
  mutable std::mutex error_mu_;
  std::string first_error_;
};


LoadRun::LoadRun(const LoadSettings& settings) : impl_(std::make_unique<Impl>(settings)) {}
LoadRun::~LoadRun() = default;
void LoadRun::start_all() { impl_->start_all(); }
void LoadRun::set_measuring(bool on) { impl_->set_measuring(on); }
void LoadRun::schedule(std::chrono::steady_clock::time_point when) { impl_->schedule(when); }
uint64_t LoadRun::scheduled() const { return impl_->scheduled(); }
void LoadRun::stop() { impl_->stop(); }
void LoadRun::force() { impl_->force(); }
void LoadRun::cancel_all() { impl_->cancel_all(); }
std::size_t LoadRun::connected() const { return impl_->connected(); }
std::size_t LoadRun::settled() const { return impl_->settled(); }
std::size_t LoadRun::closed() const { return impl_->closed(); }
int LoadRun::in_flight() const { return impl_->rpcs_in_flight(); }
uint64_t LoadRun::acks() const { return impl_->acks(); }
void LoadRun::fill(LoadResult& result) const { impl_->fill(result); }
void LoadRun::on_send(std::string_view conn, std::string_view bytes) { impl_->on_send(conn, bytes); }
void LoadRun::on_close(std::string_view conn) { impl_->on_close(conn); }

}  // namespace exproto::bench
