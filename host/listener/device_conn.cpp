#include "host/listener/device_conn.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "host/listener/close_reason.h"
#include "host/listener/device_table.h"
#include "host/net/io_threads.h"
#include "host/session/dispatcher.h"

namespace exproto::host {

namespace {
// Events one conn hands over in one turn of its thread before it lets the other conns of the
// shard run (a device that sends without pause and a session that answers at once would
// otherwise keep the thread to itself).
constexpr int kEventsPerTurn = 16;
// EMQX's keepalive_multiplier default.
constexpr double kKeepaliveMultiplier = 1.5;
// EMQX clamps keepalive intervals above this (?MAX_INTERVAL, in ms).
constexpr uint64_t kMaxKeepaliveMs = 65535000;
}  // namespace

DeviceConn::DeviceConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id)
    : env_(env),
      limits_(std::move(limits)),
      shard_(shard),
      id_(std::move(id)),
      last_recv_(std::chrono::steady_clock::now()),
      timer_(env.io.context(shard)) {}

DeviceConn::~DeviceConn() = default;

void DeviceConn::open(ConnMeta meta) {
  auto self = shared_from_this();
  env_.table.add(shard_, self);
  env_.stats.accepted.inc();
  env_.stats.conns_open.add(1);
  if (limits_->idle_timeout.count() > 0) {
    arm(meta.socktype == SockType::udp ? Watch::quiet : Watch::first_bytes, limits_->idle_timeout);
  }
  in_flight_ = true;
  // The unary origin: a conn's events reach the Dispatcher one at a time and in order, as EMQX's
  // unary handler calls do, so nothing has to be held back for reordering.
  env_.dispatcher.created(Origin::unary, id_, std::move(meta), make_ack());
}

Ack DeviceConn::make_ack() {
  // The answer may come on a pool thread (a session that was busy) or right here, inside
  // dispatcher.event(), before the hook runs: both come back to this thread, the first by post.
  return Ack([self = shared_from_this()](bool ok, const std::string& error) {
    auto ex = self->env_.io.executor(self->shard_);
    if (ex.running_in_this_thread()) {
      self->on_ack(ok, error);
    } else {
      boost::asio::post(ex, [self, ok, error] { self->on_ack(ok, error); });
    }
  });
}

void DeviceConn::on_ack(bool ok, const std::string& error) {
  in_flight_ = false;
  if (!created_ && !refused_) {
    if (!ok) {
      // OnSocketCreated refused (the host is shutting down): there is no session to tell.
      refused_ = true;
      log_limited(env_.log_limits, spdlog::level::info, "device conn refused",
                  "conn {}: refused by the host ({}); closing the socket", id_, error);
      state_ = State::closed;
      timer_.cancel();
      close_transport();
      outbox_ = {};
      finish_removal();
      return;
    }
    created_ = true;
  } else if (!ok && state_ != State::closed) {
    // EMQX closes the device when its handler answers an error; so does the host.
    log_limited(env_.log_limits, spdlog::level::warn, "device event refused",
                "conn {}: an event was refused ({}); closing the connection", id_, error);
    transport_ended("host:event_refused", false);
  }
  pump();
}

void DeviceConn::deliver(Event ev) {
  outbox_.push_back(std::move(ev));
}

void DeviceConn::deliver_bytes(std::string_view data) {
  last_recv_ = std::chrono::steady_clock::now();
  if (!got_bytes_) {
    got_bytes_ = true;
    if (watch_ == Watch::first_bytes) {
      watch_ = Watch::none;
      timer_.cancel();
    }
  }
  deliver(event::Bytes{std::string(data)});
}

void DeviceConn::pump() {
  if (pumping_ || handed_closed_ || refused_) return;
  auto self = shared_from_this();  // a handed-over Closed unregisters the conn
  pumping_ = true;
  int budget = kEventsPerTurn;
  while (!in_flight_ && !handed_closed_ && !refused_) {
    if (budget-- == 0) {
      boost::asio::post(env_.io.executor(shard_), [self] { self->pump(); });
      break;
    }
    if (!outbox_.empty()) {
      Event ev = std::move(outbox_.front());
      outbox_.erase(outbox_.begin());
      if (outbox_.empty()) outbox_ = {};  // an idle conn keeps no heap for its queue
      hand_over(std::move(ev));
      continue;
    }
    if (!created_ || state_ != State::open || reading_) break;
    if (read_step() != Step::delivered) {
      // ended: the Closed event is queued; anything else waits for the transport.
      if (outbox_.empty()) break;
    }
  }
  pumping_ = false;
}

void DeviceConn::hand_over(Event ev) {
  const bool closed = std::holds_alternative<event::Closed>(ev);
  in_flight_ = true;
  if (closed) handed_closed_ = true;
  env_.dispatcher.event(Origin::unary, id_, std::move(ev), make_ack());
  if (closed) finish_removal();
}

void DeviceConn::finish_removal() {
  env_.table.remove(shard_, this);
  env_.stats.conns_open.add(-1);
  env_.stats.conns_closed.inc();
}

void DeviceConn::send(std::string bytes) {
  if (state_ != State::open || bytes.empty()) return;  // empty: a liveness probe, nothing to write
  if (queued_bytes_ + bytes.size() > limits_->max_write_queue_bytes) {
    env_.stats.write_queue_overflows.inc();
    log_limited(env_.log_limits, spdlog::level::warn, "device write queue full",
                "conn {}: {} bytes to send, {} still queued for the device, more than the limit of {} "
                "(sessions.max_queued_bytes): the device does not read; closing it",
                id_, bytes.size(), queued_bytes_, limits_->max_write_queue_bytes);
    transport_ended(close_reason::kWriteQueueFull, true);
    return;
  }
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  write_step();
}

std::vector<std::string> DeviceConn::take_queued() {
  std::vector<std::string> out;
  out.swap(queue_);
  return out;
}

void DeviceConn::wrote(std::size_t bytes, const boost::system::error_code& ec) {
  if (state_ == State::closed) return;
  queued_bytes_ -= std::min(bytes, queued_bytes_);
  if (ec) {
    transport_ended(close_reason::socket_error(ec), true);
    return;
  }
  if (!queue_.empty()) {
    write_step();
  } else if (state_ == State::closing && queued_bytes_ == 0) {
    shutdown_transport();
  }
}

void DeviceConn::close_after_flush() {
  if (state_ != State::open) return;
  state_ = State::closing;
  arm(Watch::flush, limits_->close_flush_limit);
  if (queued_bytes_ == 0) shutdown_transport();
}

void DeviceConn::end(std::string reason, bool vanished) { transport_ended(std::move(reason), vanished); }

void DeviceConn::transport_ended(std::string reason, bool vanished) {
  if (state_ == State::closed) return;
  auto self = shared_from_this();
  state_ = State::closed;
  watch_ = Watch::none;
  timer_.cancel();
  close_transport();
  queue_ = {};
  queued_bytes_ = 0;
  if (refused_) return;
  spdlog::debug("conn {}: device connection ended: {}", id_, reason);
  if (env_.lifecycle != nullptr) env_.lifecycle->device_closed(id_, vanished);
  deliver(event::Closed{std::move(reason)});
  pump();
}

void DeviceConn::start_keepalive(uint32_t interval_s) {
  if (state_ != State::open) return;
  const uint64_t interval_ms = std::min<uint64_t>(uint64_t{interval_s} * 1000, kMaxKeepaliveMs);
  const auto max_idle = std::chrono::milliseconds(static_cast<int64_t>(interval_ms * kKeepaliveMultiplier + 0.999));
  // Counted from now: EMQX's keepalive starts from the receive counter it finds.
  last_recv_ = std::chrono::steady_clock::now();
  arm(Watch::keepalive, max_idle);
}

void DeviceConn::arm(Watch w, std::chrono::steady_clock::duration span) {
  watch_ = w;
  watch_span_ = span;
  const auto from = w == Watch::flush ? std::chrono::steady_clock::now() : last_recv_;
  timer_.expires_at(from + span);
  timer_.async_wait([self = shared_from_this(), w](const boost::system::error_code& ec) {
    if (!ec && self->watch_ == w) self->on_timer(ec);
  });
}

void DeviceConn::on_timer(const boost::system::error_code&) {
  const auto now = std::chrono::steady_clock::now();
  switch (watch_) {
    case Watch::none:
      return;
    case Watch::flush:
      log_limited(env_.log_limits, spdlog::level::info, "device close flush limit",
                  "conn {}: {} bytes still queued {} ms after Close; closing the socket anyway", id_, queued_bytes_,
                  std::chrono::duration_cast<std::chrono::milliseconds>(watch_span_).count());
      transport_ended(close_reason::kNormal, false);
      return;
    case Watch::first_bytes:
    case Watch::quiet:
    case Watch::keepalive:
      break;
  }
  // While an event is in flight the host is not reading: the silence is ours, not the device's.
  if (in_flight_ || !outbox_.empty()) last_recv_ = now;
  if (now < last_recv_ + watch_span_) {
    arm(watch_, watch_span_);
    return;
  }
  if (watch_ == Watch::keepalive) {
    keepalive_timed_out();
  } else {
    transport_ended(close_reason::kIdleTimeout, true);
  }
}

void DeviceConn::keepalive_timed_out() {
  // EMQX dispatches the timeout and closes the socket in the same step: what the codec sends from
  // its keepalive hook is not delivered.
  auto self = shared_from_this();
  log_limited(env_.log_limits, spdlog::level::debug, "device keepalive timeout",
              "conn {}: no bytes from the device for {} ms (1.5 x keepalive); closing it", id_,
              std::chrono::duration_cast<std::chrono::milliseconds>(watch_span_).count());
  deliver(event::KeepaliveTimeout{});
  transport_ended(close_reason::kKeepaliveTimeout, true);
}

}  // namespace exproto::host
