#include "connection.hpp"

#include "devgw/topic.hpp"
#include "format.hpp"
#include "gateway_core.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace exproto::devgw {

Connection::Connection(GatewayCore& core, std::string id, std::shared_ptr<Transport> transport)
    : core_(core),
      id_(std::move(id)),
      transport_(std::move(transport)),
      idle_timer_(core.io()),
      udp_idle_timer_(core.io()),
      keepalive_timer_(core.io()),
      force_close_timer_(core.io()) {}

Connection::~Connection() = default;

void Connection::open() {
  Event created{.kind = EventKind::socket_created, .conn = id_, .socket = transport_->info()};
  dispatch(std::move(created));
  std::weak_ptr<Connection> weak = weak_from_this();
  transport_->start({
      .on_data =
          [weak](std::string chunk) {
            if (auto self = weak.lock()) self->on_data(std::move(chunk));
          },
      .on_closed =
          [weak](std::string atom) {
            if (auto self = weak.lock()) self->on_socket_closed(atom);
          },
  });
  const auto idle = core_.options().idle_timeout;
  arm_timer(idle_timer_, idle, &Connection::on_idle_timeout);
  if (transport_->info().kind == SocketKind::udp) {
    // EMQX's force_close_idle (PR #8628): a UDP peer is dropped after idle_timeout whatever it
    // sends, unless the handler starts keepalive.
    std::weak_ptr<Connection> w = weak_from_this();
    udp_idle_timer_.expires_after(idle);
    udp_idle_timer_.async_wait([w](const boost::system::error_code& ec) {
      auto self = w.lock();
      if (ec || !self || self->terminated_ || self->keepalive_) return;
      self->terminate("{shutdown,idle_timeout}");
    });
  }
}

void Connection::arm_timer(boost::asio::steady_timer& timer, std::chrono::milliseconds after,
                           void (Connection::*fn)()) {
  std::weak_ptr<Connection> weak = weak_from_this();
  timer.expires_after(after);
  timer.async_wait([weak, fn](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) (self.get()->*fn)();
  });
}

void Connection::on_data(std::string chunk) {
  if (terminated_ || state_ == State::disconnected) return;
  ++received_chunks_;  // keepalive activity = received chunks (EMQX recv_pkt)
  if (received_chunks_ == 1) idle_timer_.cancel();
  dispatch({.kind = EventKind::received_bytes, .conn = id_, .bytes = std::move(chunk)});
}

void Connection::on_idle_timeout() {
  if (terminated_ || received_chunks_ > 0 || state_ == State::disconnected) return;
  terminate("{shutdown,idle_timeout}");
}

void Connection::on_socket_closed(const std::string& atom) {
  if (terminated_ || state_ == State::disconnected) return;
  auto self = shared_from_this();
  closed_reason_ = "{shutdown," + atom + "}";
  state_ = State::disconnected;
  transport_->close();
  idle_timer_.cancel();
  udp_idle_timer_.cancel();
  keepalive_timer_.cancel();
  core_.release_clientid(clientid_, id_);
  if (!inflight_ && queue_.empty()) return terminate(*closed_reason_);
  // Queued events are still delivered, but only for so long (EMQX force_close, 15 s).
  arm_timer(force_close_timer_, core_.options().force_close_timeout, &Connection::on_force_close);
}

void Connection::on_force_close() {
  if (terminated_) return;
  core_.log().warn("conn={} handler events still pending {} ms after the socket closed; giving up on them", id_,
                   core_.options().force_close_timeout.count());
  terminate(*closed_reason_);
}

void Connection::terminate(const std::string& reason) {
  if (terminated_) return;
  auto self = shared_from_this();
  terminated_ = true;
  idle_timer_.cancel();
  udp_idle_timer_.cancel();
  keepalive_timer_.cancel();
  force_close_timer_.cancel();
  transport_->close();
  queue_.clear();
  pending_deliveries_.clear();
  if (inflight_) {
    // EMQX enqueues it behind the in-flight call and the process exits: it is lost.
    core_.log().warn("conn={} OnSocketClosed {} not sent: {} still in flight", id_, reason,
                     method_name(*inflight_));
  } else if (core_.lose_socket_closed()) {
    core_.log().info("conn={} OnSocketClosed {} not sent: lose_socket_closed is on", id_, reason);
  } else {
    Event closed{.kind = EventKind::socket_closed, .conn = id_, .reason = reason};
    core_.record_event(closed);
    core_.handler().dispatch(std::move(closed), [](HandlerStatus) {});
  }
  core_.on_terminated(*this, reason);
}

void Connection::dispatch(Event event) {
  if (inflight_) {
    queue_.push_back(std::move(event));
  } else {
    shoot(std::move(event));
  }
}

void Connection::shoot(Event event) {
  inflight_ = event.kind;
  core_.record_event(event);
  const auto kind = event.kind;
  std::weak_ptr<Connection> weak = weak_from_this();
  core_.handler().dispatch(std::move(event), [weak, kind](HandlerStatus status) {
    if (auto self = weak.lock()) self->on_reply(kind, status);
  });
}

void Connection::on_reply(EventKind kind, const HandlerStatus& status) {
  if (terminated_) return;
  auto self = shared_from_this();
  inflight_.reset();
  if (!status.ok()) {
    core_.log().warn("conn={} handler {} failed: {} {}", id_, method_name(kind), grpc_codename(status.code),
                     status.message);
    return terminate(fmt::format("{{shutdown,{{error,{{{},{{{},{}}}}}}}}}", callback_atom(kind),
                                 grpc_codename(status.code), erlang_binary(status.message)));
  }
  if (!queue_.empty()) {
    auto next = std::move(queue_.front());
    queue_.pop_front();
    return shoot(std::move(next));
  }
  if (state_ == State::disconnected) terminate(*closed_reason_);
}

void Connection::handler_failed(EventKind kind, const HandlerStatus& status) {
  if (terminated_) return;
  inflight_.reset();
  terminate(fmt::format("{{shutdown,{{error,{{{},{{{},{}}}}}}}}}", callback_atom(kind), grpc_codename(status.code),
                        erlang_binary(status.message)));
}

void Connection::discard() { terminate("{shutdown,discarded}"); }

void Connection::abort() {
  terminated_ = true;
  idle_timer_.cancel();
  udp_idle_timer_.cancel();
  keepalive_timer_.cancel();
  force_close_timer_.cancel();
  transport_->abort();
  queue_.clear();
  pending_deliveries_.clear();
}

CallResult Connection::send(std::string bytes) {
  // After the socket closed EMQX still answers SUCCESS and drops the bytes.
  if (state_ != State::disconnected) transport_->send(std::move(bytes));
  return CallResult::ok();
}

CallResult Connection::close() {
  if (state_ == State::disconnected) return CallResult::ok();
  // EMQX replies before it closes; posting keeps that order for the handler.
  boost::asio::post(core_.io(), [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->on_socket_closed("normal");
  });
  return CallResult::ok();
}

CallResult Connection::authenticate(const ClientInfo& info, const std::string& password) {
  if (state_ == State::connected) return CallResult::duplicated_auth();
  if (state_ == State::disconnected) return CallResult::socket_disconnected();
  if (!info.mountpoint.empty())
    core_.log().warn("conn={} failed_to_override_mountpoint: clientinfo.mountpoint '{}' is ignored", id_,
                     info.mountpoint);
  if (!core_.authn_allows(info, password)) return CallResult::not_authorized();
  clientid_ = info.clientid;
  username_ = info.username;
  state_ = State::connected;
  core_.claim_clientid(clientid_, id_);
  return CallResult::ok();
}

CallResult Connection::start_keepalive(std::uint32_t interval_s) {
  const auto params =
      keepalive_params(interval_s, core_.options().keepalive_check_interval, core_.options().keepalive_multiplier);
  if (keepalive_) {
    keepalive_->reset_params(params);  // the running tick keeps its period until it fires
  } else {
    keepalive_.emplace(params, received_chunks_);
  }
  udp_idle_timer_.cancel();
  if (state_ != State::disconnected && !keepalive_armed_) arm_keepalive();
  return CallResult::ok();
}

void Connection::arm_keepalive() {
  keepalive_armed_ = true;
  arm_timer(keepalive_timer_, keepalive_->params().check_interval, &Connection::on_keepalive_tick);
}

void Connection::on_keepalive_tick() {
  keepalive_armed_ = false;
  if (terminated_ || state_ == State::disconnected || !keepalive_) return;
  if (!keepalive_->tick(received_chunks_)) return arm_keepalive();
  core_.log().info("conn={} keepalive timeout (max idle {} ms)", id_, keepalive_->params().max_idle.count());
  // EMQX dispatches OnTimerTimeout and closes in the same step; the handler cannot veto it.
  dispatch({.kind = EventKind::timer_timeout, .conn = id_});
  on_socket_closed("keepalive_timeout");
}

CallResult Connection::publish(const std::string& topic, std::uint32_t qos, std::string payload) {
  if (state_ != State::connected) return CallResult::unexpected_call();
  if (!core_.publish_allowed(topic)) return CallResult::authz_deny();
  core_.route(topic, qos, std::move(payload), clientid_, PublishOrigin::device);
  return CallResult::ok();
}

CallResult Connection::subscribe(const std::string& filter, std::uint32_t qos) {
  if (state_ != State::connected) return CallResult::unexpected_call();
  if (!core_.subscribe_allowed(filter)) return CallResult::authz_deny();
  if (!valid_topic_filter(filter)) {
    // EMQX's emqx_topic:parse/1 raises here, which surfaces as "Unknown crashes".
    core_.log().warn("conn={} subscribe to invalid topic filter '{}'", id_, filter);
    return CallResult::unknown_crash();
  }
  core_.broker().subscribe(id_, filter, qos);
  return CallResult::ok();
}

CallResult Connection::unsubscribe(const std::string& filter) {
  if (state_ != State::connected) return CallResult::unexpected_call();
  core_.broker().unsubscribe(id_, filter);
  return CallResult::ok();
}

void Connection::deliver(Delivery delivery) {
  if (terminated_) return;
  pending_deliveries_.push_back(std::move(delivery));
  if (delivery_flush_posted_) return;
  delivery_flush_posted_ = true;
  // Deliveries that pile up before this runs form one batch, like EMQX draining its mailbox.
  boost::asio::post(core_.io(), [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->flush_deliveries();
  });
}

void Connection::flush_deliveries() {
  delivery_flush_posted_ = false;
  const std::size_t max = std::max<std::size_t>(1, core_.options().delivery_batch_max);
  while (!terminated_ && !pending_deliveries_.empty()) {
    Event batch{.kind = EventKind::received_messages, .conn = id_};
    while (!pending_deliveries_.empty() && batch.messages.size() < max) {
      batch.messages.push_back(std::move(pending_deliveries_.front()));
      pending_deliveries_.pop_front();
    }
    dispatch(std::move(batch));
  }
}

}  // namespace exproto::devgw
