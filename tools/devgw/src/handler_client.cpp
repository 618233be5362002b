#include "handler_client.hpp"

#include "exproto.grpc.pb.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <grpcpp/grpcpp.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

namespace exproto::devgw {

namespace pb = emqx::exproto::v1;
namespace asio = boost::asio;
// The generated `async` class shares its name with the stub's async() accessor.
using UnaryAsync = class pb::ConnectionUnaryHandler::Stub::async;
using StreamAsync = class pb::ConnectionHandler::Stub::async;

namespace {

// ---- Event → request -------------------------------------------------------------------------

void fill_address(pb::Address* address, const std::string& host, std::uint16_t port) {
  address->set_host(host);
  address->set_port(port);
}

void fill(const Event& e, pb::SocketCreatedRequest& r) {
  r.set_conn(e.conn);
  auto* info = r.mutable_conninfo();
  info->set_socktype(e.socket.kind == SocketKind::tcp ? pb::TCP : pb::UDP);
  fill_address(info->mutable_peername(), e.socket.peer_host, e.socket.peer_port);
  fill_address(info->mutable_sockname(), e.socket.sock_host, e.socket.sock_port);
}
void fill(const Event& e, pb::ReceivedBytesRequest& r) {
  r.set_conn(e.conn);
  r.set_bytes(e.bytes);
}
void fill(const Event& e, pb::ReceivedMessagesRequest& r) {
  r.set_conn(e.conn);
  for (const auto& d : e.messages) {
    auto* m = r.add_messages();
    m->set_node(d.node);
    m->set_id(d.id);
    m->set_qos(d.qos);
    m->set_from(d.from);
    m->set_topic(d.topic);
    m->set_payload(d.payload);
    m->set_timestamp(d.timestamp_ms);
  }
}
void fill(const Event& e, pb::TimerTimeoutRequest& r) {
  r.set_conn(e.conn);
  r.set_type(pb::KEEPALIVE);
}
void fill(const Event& e, pb::SocketClosedRequest& r) {
  r.set_conn(e.conn);
  r.set_reason(e.reason);
}

std::size_t index_of(EventKind kind) { return static_cast<std::size_t>(kind); }

// EMQX ignores the scheme of handler.address: ssl_options.enable alone chooses TLS.
std::string grpc_target(std::string address, bool tls, spdlog::logger& log) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (address.starts_with(scheme)) {
      if ((scheme == "https://") != tls)
        log.warn("handler address {}: the scheme is ignored, as EMQX does; dialing {}", address,
                 tls ? "TLS" : "plaintext");
      address.erase(0, scheme.size());
    }
  }
  if (!address.empty() && address.back() == '/') address.pop_back();
  return address;
}

struct UnaryCallBase {
  virtual ~UnaryCallBase() = default;
  grpc::ClientContext ctx;
};

// Shared with gRPC's callback threads, so it stays valid even if a callback is late.
struct Tracker {
  std::mutex mutex;
  std::condition_variable changed;
  // In-flight unary calls. The tracker owns them (not the callback) so a call, and with it its
  // channel reference, dies under this lock while HandlerClient still holds the channel: the
  // last grpc::Channel reference must never drop on a gRPC callback thread (gRPC 1.51 then
  // tears down the callback completion queue from inside itself and aborts).
  std::map<std::uint64_t, std::unique_ptr<UnaryCallBase>> unary;
  std::size_t streams = 0;                               // stream writers not yet given back by gRPC
  std::uint64_t next_id = 1;
  bool cancelled = false;
};

}  // namespace

// ---- Streams ---------------------------------------------------------------------------------

class StreamBase {
 public:
  virtual ~StreamBase() = default;
  virtual void push(const Event& event) = 0;
  /// Half-close after the queued writes (the conn ended).
  virtual void finish() = 0;
  /// Cancel now (gateway stop).
  virtual void abort() = 0;
  virtual void write_done(bool ok) = 0;
  virtual void delay_over() = 0;
};

struct HandlerClient::Impl {
  Impl(asio::io_context& io, const Options& options, std::shared_ptr<grpc::ChannelCredentials> credentials,
       spdlog::logger& log, StreamFailure on_failure)
      : io(io), options(options), log(log), on_failure(std::move(on_failure)) {
    grpc::ChannelArguments args;
    // Each gateway is one EMQX process with connections of its own. From gRPC's process-wide
    // subchannel pool a new gateway could inherit the connection of one that crashed, and the
    // handler would never see that connection drop.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    // EMQX's server_name_indication: the name the handler's certificate is checked against.
    if (options.handler_tls && !options.handler_tls->server_name.empty())
      args.SetSslTargetNameOverride(options.handler_tls->server_name);
    channel = grpc::CreateCustomChannel(grpc_target(options.handler_address, options.handler_tls.has_value(), log),
                                        std::move(credentials), args);
    unary_stub = pb::ConnectionUnaryHandler::NewStub(channel);
    stream_stub = pb::ConnectionHandler::NewStub(channel);
  }

  template <class Req>
  using UnaryMethod = void (UnaryAsync::*)(grpc::ClientContext*, const Req*,
                                                                        pb::EmptySuccess*,
                                                                        std::function<void(grpc::Status)>);
  template <class Req>
  using StreamMethod = void (StreamAsync::*)(grpc::ClientContext*, pb::EmptySuccess*,
                                                                    grpc::ClientWriteReactor<Req>*);

  template <class Req>
  void call_unary(UnaryMethod<Req> method, const Event& event, Done done);
  template <class Req>
  StreamBase& writer_for(const Event& event, StreamMethod<Req> method);
  StreamBase& ensure_writer(const Event& event);

  void writer_write_done(std::uint64_t id, bool ok) {
    if (auto it = writers.find(id); it != writers.end()) it->second.stream->write_done(ok);
  }
  void writer_delay_over(std::uint64_t id) {
    if (auto it = writers.find(id); it != writers.end()) it->second.stream->delay_over();
  }
  void writer_done(std::uint64_t id, const HandlerStatus& status);

  struct Slot {
    std::unique_ptr<StreamBase> stream;
    std::string conn;
    EventKind kind;
    bool released = false;
  };

  asio::io_context& io;
  const Options& options;
  spdlog::logger& log;
  StreamFailure on_failure;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::ConnectionUnaryHandler::Stub> unary_stub;
  std::unique_ptr<pb::ConnectionHandler::Stub> stream_stub;
  std::shared_ptr<Tracker> tracker = std::make_shared<Tracker>();
  // I/O thread only:
  std::map<std::uint64_t, Slot> writers;
  std::map<std::string, std::array<std::uint64_t, 5>> by_conn;  // 0 = no stream yet
  std::uint64_t next_writer = 1;
  bool stopping = false;
};

namespace {

// One client stream for one (conn, callback). All state lives on the I/O thread; gRPC's
// reactions only hop there. A hold keeps OnDone away while the I/O thread may still write.
template <class Req>
class StreamWriter final : public grpc::ClientWriteReactor<Req>, public StreamBase {
 public:
  StreamWriter(HandlerClient::Impl& owner, std::uint64_t id, std::chrono::milliseconds delay)
      : owner_(owner), id_(id), delay_timer_(owner.io) {
    if (delay.count() > 0) {
      delayed_ = true;
      delay_timer_.expires_after(delay);
      delay_timer_.async_wait([owner = &owner_, id](const boost::system::error_code& ec) {
        if (!ec) owner->writer_delay_over(id);
      });
    }
  }

  void start(HandlerClient::Impl::StreamMethod<Req> method) {
    (owner_.stream_stub->async()->*method)(&ctx_, &response_, this);
    this->AddHold();
    this->StartCall();
  }

  void push(const Event& event) override {
    Req request;
    fill(event, request);
    queue_.push_back(std::move(request));
    pump();
  }
  void finish() override {
    finishing_ = true;
    pump();
  }
  void abort() override {
    failed_ = true;
    delay_timer_.cancel();
    ctx_.TryCancel();
    remove_hold();
  }
  void write_done(bool ok) override {
    writing_ = false;
    if (!ok) {
      // The stream is broken; its final status arrives through OnDone.
      failed_ = true;
      remove_hold();
      return;
    }
    pump();
  }
  void delay_over() override {
    delayed_ = false;
    pump();
  }

  void OnWriteDone(bool ok) override {
    asio::post(owner_.io, [owner = &owner_, id = id_, ok] { owner->writer_write_done(id, ok); });
  }
  void OnDone(const grpc::Status& status) override {
    HandlerStatus result{status.error_code(), status.error_message()};
    asio::post(owner_.io, [owner = &owner_, id = id_, result] { owner->writer_done(id, result); });
  }

 private:
  void pump() {
    if (writing_ || failed_ || delayed_) return;
    if (!queue_.empty()) {
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      this->StartWrite(&current_);
      return;
    }
    if (finishing_ && !writes_done_) {
      writes_done_ = true;
      this->StartWritesDone();
      remove_hold();
    }
  }
  void remove_hold() {
    if (hold_removed_) return;
    hold_removed_ = true;
    this->RemoveHold();
  }

  HandlerClient::Impl& owner_;
  std::uint64_t id_;
  grpc::ClientContext ctx_;
  pb::EmptySuccess response_;
  asio::steady_timer delay_timer_;
  std::deque<Req> queue_;
  Req current_;
  bool writing_ = false, failed_ = false, delayed_ = false, finishing_ = false, writes_done_ = false,
       hold_removed_ = false;
};

}  // namespace

template <class Req>
void HandlerClient::Impl::call_unary(UnaryMethod<Req> method, const Event& event, Done done) {
  struct Call final : UnaryCallBase {
    Req request;
    pb::EmptySuccess response;
  };
  auto owned = std::make_unique<Call>();
  auto* call = owned.get();
  fill(event, call->request);
  std::uint64_t id = 0;
  {
    std::lock_guard lock(tracker->mutex);
    if (tracker->cancelled) return;
    id = tracker->next_id++;
    tracker->unary.emplace(id, std::move(owned));
  }
  // EMQX sets no deadline: a handler that never answers stalls this conn, as in EMQX.
  (unary_stub->async()->*method)(
      &call->ctx, &call->request, &call->response,
      [id, tracker = tracker, io = &io, done = std::move(done)](grpc::Status status) {
        asio::post(*io, [done, result = HandlerStatus{status.error_code(), status.error_message()}] { done(result); });
        std::lock_guard lock(tracker->mutex);
        tracker->unary.erase(id);
        tracker->changed.notify_all();
      });
}

template <class Req>
StreamBase& HandlerClient::Impl::writer_for(const Event& event, StreamMethod<Req> method) {
  auto& ids = by_conn.try_emplace(event.conn, std::array<std::uint64_t, 5>{}).first->second;
  auto& id = ids[index_of(event.kind)];
  if (auto it = writers.find(id); id != 0 && it != writers.end()) return *it->second.stream;
  id = next_writer++;
  const auto delay =
      event.kind == EventKind::socket_created ? options.socket_created_stream_delay : std::chrono::milliseconds(0);
  auto writer = std::make_unique<StreamWriter<Req>>(*this, id, delay);
  auto* raw = writer.get();
  writers.emplace(id, Slot{std::move(writer), event.conn, event.kind});
  {
    std::lock_guard lock(tracker->mutex);
    ++tracker->streams;
  }
  raw->start(method);
  return *raw;
}

StreamBase& HandlerClient::Impl::ensure_writer(const Event& event) {
  using S = StreamAsync;
  switch (event.kind) {
    case EventKind::socket_created: return writer_for<pb::SocketCreatedRequest>(event, &S::OnSocketCreated);
    case EventKind::received_bytes: return writer_for<pb::ReceivedBytesRequest>(event, &S::OnReceivedBytes);
    case EventKind::received_messages:
      return writer_for<pb::ReceivedMessagesRequest>(event, &S::OnReceivedMessages);
    case EventKind::timer_timeout: return writer_for<pb::TimerTimeoutRequest>(event, &S::OnTimerTimeout);
    case EventKind::socket_closed: break;
  }
  return writer_for<pb::SocketClosedRequest>(event, &S::OnSocketClosed);
}

void HandlerClient::Impl::writer_done(std::uint64_t id, const HandlerStatus& status) {
  auto it = writers.find(id);
  if (it == writers.end()) return;
  const auto conn = it->second.conn;
  const auto kind = it->second.kind;
  const bool report = !status.ok() && !it->second.released && !stopping;
  writers.erase(it);
  if (auto c = by_conn.find(conn); c != by_conn.end() && c->second[index_of(kind)] == id) c->second[index_of(kind)] = 0;
  {
    std::lock_guard lock(tracker->mutex);
    --tracker->streams;
    tracker->changed.notify_all();
  }
  if (report) {
    on_failure(conn, kind, status);
  } else if (!stopping && status.ok()) {
    log.debug("conn={} {} stream ended by the handler; the next event reopens it", conn, method_name(kind));
  }
}

HandlerClient::HandlerClient(asio::io_context& io, const Options& options,
                             std::shared_ptr<grpc::ChannelCredentials> credentials, spdlog::logger& log,
                             StreamFailure on_failure)
    : impl_(std::make_unique<Impl>(io, options, std::move(credentials), log, std::move(on_failure))) {}

HandlerClient::~HandlerClient() = default;

void HandlerClient::dispatch(Event event, Done done) {
  auto& impl = *impl_;
  if (impl.stopping) return;
  if (impl.options.service == HandlerService::streaming) {
    impl.ensure_writer(event).push(event);
    // EMQX counts a stream event as done once it is handed to the stream.
    asio::post(impl.io, [done = std::move(done)] { done(HandlerStatus{}); });
    return;
  }
  using S = UnaryAsync;
  switch (event.kind) {
    case EventKind::socket_created:
      return impl.call_unary<pb::SocketCreatedRequest>(&S::OnSocketCreated, event, std::move(done));
    case EventKind::received_bytes:
      return impl.call_unary<pb::ReceivedBytesRequest>(&S::OnReceivedBytes, event, std::move(done));
    case EventKind::received_messages:
      return impl.call_unary<pb::ReceivedMessagesRequest>(&S::OnReceivedMessages, event, std::move(done));
    case EventKind::timer_timeout:
      return impl.call_unary<pb::TimerTimeoutRequest>(&S::OnTimerTimeout, event, std::move(done));
    case EventKind::socket_closed:
      return impl.call_unary<pb::SocketClosedRequest>(&S::OnSocketClosed, event, std::move(done));
  }
}

void HandlerClient::release(const std::string& conn) {
  auto& impl = *impl_;
  auto c = impl.by_conn.find(conn);
  if (c == impl.by_conn.end()) return;
  const auto ids = c->second;
  impl.by_conn.erase(c);
  for (const auto id : ids) {
    if (auto it = impl.writers.find(id); id != 0 && it != impl.writers.end()) {
      it->second.released = true;
      it->second.stream->finish();
    }
  }
}

bool HandlerClient::cancel_all_and_wait(std::chrono::milliseconds timeout) {
  auto tracker = impl_->tracker;
  {
    std::lock_guard lock(tracker->mutex);
    tracker->cancelled = true;
    for (auto& [id, call] : tracker->unary) call->ctx.TryCancel();
  }
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    for (auto& [id, slot] : impl->writers) slot.stream->abort();
  });
  std::unique_lock lock(tracker->mutex);
  return tracker->changed.wait_for(lock, timeout, [&] { return tracker->unary.empty() && tracker->streams == 0; });
}

void HandlerClient::disconnect() {
  impl_->unary_stub.reset();
  impl_->stream_stub.reset();
  impl_->channel.reset();
}

}  // namespace exproto::devgw
