#include "host/mqtt/mqtt_connection.h"

#include <array>

#include <boost/asio/post.hpp>

#include "host/mqtt/broker_tls.h"
#include "host/mqtt/packet_encode.h"
#include "host/mqtt/reason_codes.h"
#include "host/mqtt/topic_check.h"

namespace exproto::host::mqtt {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The receive buffer of every plain connection run by this thread. An io_context is run by one
// thread and a read is decoded completely before its handler returns (the decoder copies what it
// keeps), so no two connections ever use it at once; idle connections hold no buffer at all.
std::span<char> scratch() {
  thread_local std::array<char, 16384> buffer;
  return buffer;
}

// How long a DISCONNECT we send may take to leave before the socket is simply closed.
constexpr auto kCloseGrace = std::chrono::seconds(1);

}  // namespace

MqttConnection::MqttConnection(const net::any_io_executor& ex, net::ssl::context* tls, MqttConnectionOptions options,
                               Callbacks callbacks)
    : transport_(ex, tls),
      timer_(ex),
      callbacks_(std::make_shared<const Callbacks>(std::move(callbacks))),
      decoder_(options.version, options.max_packet_size),
      version_(options.version),
      wanted_keepalive_s_(options.keepalive_s),
      max_packet_size_(options.max_packet_size),
      max_queued_bytes_(options.max_queued_bytes),
      connect_options_(std::make_unique<MqttConnectionOptions>(std::move(options))) {}

void MqttConnection::connect(const std::vector<net::ip::tcp::endpoint>& endpoints, Done done) {
  if (state_ != State::idle || endpoints.empty()) {
    net::post(timer_.get_executor(), [done = std::move(done), empty = endpoints.empty(), closed = state_ == State::closed] {
      done(MqttResult::unavailable(closed ? "mqtt:closed" : empty ? "mqtt:no_broker_address" : "mqtt:connect_called_twice"));
    });
    return;
  }
  state_ = State::connecting;
  connect_done_ = std::move(done);
  timer_.expires_after(connect_options_->connect_timeout);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_timer();
  });
  if (transport_.is_tls() && !set_broker_identity(transport_.ssl(), connect_options_->tls_server_name)) {
    end("mqtt:tls_server_name_refused", false, std::nullopt);
    return;
  }
  transport_.async_connect(endpoints, [self = shared_from_this()](const boost::system::error_code& ec, const net::ip::tcp::endpoint&) {
    if (self->state_ != State::connecting) return;
    if (ec) return self->end("mqtt:unreachable: " + ec.message(), false, std::nullopt);
    self->on_connected_tcp();
  });
}

void MqttConnection::on_connected_tcp() {
  boost::system::error_code prepared;
  transport_.prepare(prepared);
  if (prepared) return end("mqtt:unreachable: " + prepared.message(), false, std::nullopt);
  transport_.async_handshake([self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->state_ != State::connecting) return;
    if (ec) return self->end("mqtt:tls_handshake_failed: " + ec.message(), false, std::nullopt);
    auto& o = *self->connect_options_;
    Connect c{.clientid = std::move(o.clientid),
              .username = std::move(o.username),
              .password = std::move(o.password),
              .keepalive_s = o.keepalive_s,
              .clean_start = true};
    if (o.version == ProtocolVersion::v5) {
      c.properties.receive_maximum = o.receive_maximum;
      c.properties.maximum_packet_size = o.max_packet_size;
    }
    // Not needed again (credentials included): a connection is never re-established in place.
    self->connect_options_.reset();
    self->send(c);
    self->flush();
    self->read();
  });
}

void MqttConnection::read() {
  transport_.async_read(scratch(), [self = shared_from_this()](const boost::system::error_code& ec, std::string_view bytes) {
    const State s = self->state_;
    if (s != State::connecting && s != State::connected) return;
    if (ec) {
      if (s == State::connecting) return self->end("mqtt:connection_closed_before_connack", false, std::nullopt);
      return self->end("mqtt:connection_lost", true, std::nullopt);
    }
    self->on_bytes(bytes);
    if (self->state_ == State::connecting || self->state_ == State::connected) self->read();
  });
}

void MqttConnection::on_bytes(std::string_view bytes) {
  std::vector<Publish> batch;
  DeliveryAcks acks;
  auto deliver = [&] {
    if (batch.empty() || state_ != State::connected) return;
    if (const auto cbs = callbacks_; cbs && cbs->messages) cbs->messages(*this, std::move(batch), std::move(acks));
    batch.clear();
    acks = {};
  };
  while (state_ == State::connecting || state_ == State::connected) {
    auto r = decoder_.next(bytes);
    if (!r) {
      const auto kind = r.error().kind;
      const uint8_t code = kind == DecodeErrorKind::oversize     ? reason::packet_too_large
                           : kind == DecodeErrorKind::bad_packet ? reason::protocol_error
                                                                 : reason::malformed_packet;
      deliver();  // what came before the bad bytes was fine
      return protocol_failure(code, std::string(decode_error_kind_name(kind)) + ": " + r.error().detail);
    }
    if (!*r) break;
    // Deliveries that arrived before a DISCONNECT reach the owner before `ended` does.
    if (std::holds_alternative<Disconnect>(**r)) deliver();
    handle(std::move(**r), batch, acks);
  }
  deliver();
}

void MqttConnection::handle(Packet&& p, std::vector<Publish>& batch, DeliveryAcks& acks) {
  const PacketType type = packet_type(p);
  if (state_ == State::connecting && type != PacketType::connack) {
    return protocol_failure(reason::protocol_error, std::string(packet_type_name(type)) + " before CONNACK");
  }
  switch (type) {
    case PacketType::connack:
      if (state_ != State::connecting) return protocol_failure(reason::protocol_error, "a second CONNACK");
      return on_connack(std::get<Connack>(p));
    case PacketType::publish: return on_publish(std::move(std::get<Publish>(p)), batch, acks);
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubcomp: return on_ack(std::get<PubAck>(p));
    case PacketType::pubrel: {
      const uint16_t id = std::get<PubAck>(p).packet_id;
      uint8_t code = 0x92;  // packet identifier not found
      for (auto it = qos2_in_.begin(); it != qos2_in_.end(); ++it) {
        if (it->first != id) continue;
        code = 0;
        qos2_in_.erase(it);
        break;
      }
      send(PubAck{.type = PacketType::pubcomp, .packet_id = id, .reason = code});
      return flush();
    }
    case PacketType::suback:
    case PacketType::unsuback: return on_suback(std::get<SubAck>(p));
    case PacketType::pingresp: ping_outstanding_ = false; return;
    case PacketType::disconnect: {
      if (version_ != ProtocolVersion::v5) return protocol_failure(reason::protocol_error, "DISCONNECT from a 3.1.1 broker");
      const auto& d = std::get<Disconnect>(p);
      std::string reason = "mqtt:" + reason_code_name(d.reason, PacketType::disconnect);
      if (d.properties.reason_string) failure_detail_ = *d.properties.reason_string;
      return end(reason, true, std::nullopt);
    }
    default:
      return protocol_failure(reason::protocol_error, std::string("the broker sent ") + packet_type_name(type));
  }
}

MqttResult MqttConnection::refused(uint8_t code, PacketType type, const Properties& props) const {
  MqttResult r{MqttResult::Status::refused, code, "mqtt:" + reason_code_name(code, type)};
  if (props.reason_string && !props.reason_string->empty()) r.text += ": " + *props.reason_string;
  return r;
}

void MqttConnection::on_connack(const Connack& c) {
  const bool v5 = version_ == ProtocolVersion::v5;
  if (v5 ? c.code >= 0x80 : c.code != 0) {
    MqttResult r = v5 ? refused(c.code, PacketType::connack, c.properties)
                      : MqttResult{MqttResult::Status::refused, v5_reason_for_v311_connack(c.code),
                                   "mqtt:" + connack_return_code_name(c.code)};
    auto done = std::move(connect_done_);
    end(r.text, false, std::nullopt);
    if (done) done(std::move(r));
    return;
  }
  state_ = State::connected;
  if (v5) {
    const auto& p = c.properties;
    if (p.receive_maximum) broker_receive_max_ = *p.receive_maximum;
    if (p.maximum_packet_size) broker_max_packet_ = *p.maximum_packet_size;
    if (p.maximum_qos) broker_max_qos_ = *p.maximum_qos;
    if (p.assigned_client_identifier) assigned_clientid_ = *p.assigned_client_identifier;
    keepalive_s_ = p.server_keep_alive.value_or(wanted_keepalive_s_);
  } else {
    keepalive_s_ = wanted_keepalive_s_;
  }
  timer_.cancel();
  arm_keepalive();
  if (auto done = std::move(connect_done_)) done(MqttResult::ok_result(c.code));
  pump();
}

void MqttConnection::on_publish(Publish&& p, std::vector<Publish>& batch, DeliveryAcks& acks) {
  if (p.properties.topic_alias) {
    return protocol_failure(0x94, "PUBLISH with a topic alias, none was allowed");  // topic alias invalid
  }
  if (p.qos == 0) {
    batch.push_back(std::move(p));
    return;
  }
  if (p.qos == 2) {
    for (const auto& [id, recorded] : qos2_in_) {
      if (id != p.packet_id) continue;
      // A resent QoS 2 PUBLISH is not delivered twice; if it was handled, PUBREC again.
      if (recorded) {
        send(PubAck{.type = PacketType::pubrec, .packet_id = id});
        flush();
      }
      return;
    }
  }
  // Not refused past our receive maximum: mosquitto 2.0.11 sends one more than announced after
  // an acknowledgement (seen in tests/mqtt), and ending a device's session for the broker's
  // accounting slip would hurt more than the extra message does.
  if (p.qos == 1) acks.puback.push_back(p.packet_id);
  else {
    qos2_in_.emplace_back(p.packet_id, false);
    acks.pubrec.push_back(p.packet_id);
  }
  batch.push_back(std::move(p));
}

void MqttConnection::acknowledge(const DeliveryAcks& acks) {
  if (state_ != State::connected) return;
  for (uint16_t id : acks.puback) {
    send(PubAck{.type = PacketType::puback, .packet_id = id});
  }
  for (uint16_t id : acks.pubrec) {
    for (auto& [in_id, recorded] : qos2_in_) {
      if (in_id != id) continue;
      recorded = true;
      send(PubAck{.type = PacketType::pubrec, .packet_id = id});
      break;
    }
  }
  flush();
}

void MqttConnection::on_ack(const PubAck& a) {
  for (std::size_t i = 0; i < inflight_.size(); ++i) {
    Op& op = inflight_[i];
    if (op.kind != OpKind::publish || op.id != a.packet_id) continue;
    if (a.type == PacketType::puback && op.qos == 1) {
      return complete(i, a.reason >= 0x80 ? refused(a.reason, a.type, a.properties) : MqttResult::ok_result(a.reason));
    }
    if (a.type == PacketType::pubrec && op.qos == 2 && !op.released) {
      if (a.reason >= 0x80) return complete(i, refused(a.reason, a.type, a.properties));
      op.released = true;
      send(PubAck{.type = PacketType::pubrel, .packet_id = a.packet_id});
      return flush();
    }
    if (a.type == PacketType::pubcomp && op.qos == 2 && op.released) {
      return complete(i, a.reason >= 0x80 ? refused(a.reason, a.type, a.properties) : MqttResult::ok_result(a.reason));
    }
    break;
  }
  // An acknowledgement for nothing we sent. A PUBREC still gets its PUBREL (MQTT 5 says with
  // "packet identifier not found"), so the broker can let go of it; the others are ignored.
  if (a.type == PacketType::pubrec) {
    send(PubAck{.type = PacketType::pubrel, .packet_id = a.packet_id, .reason = 0x92});
    flush();
  }
}

void MqttConnection::on_suback(const SubAck& a) {
  const OpKind kind = a.type == PacketType::suback ? OpKind::subscribe : OpKind::unsubscribe;
  for (std::size_t i = 0; i < inflight_.size(); ++i) {
    if (inflight_[i].kind != kind || inflight_[i].id != a.packet_id) continue;
    const uint8_t code = a.codes.empty() ? 0 : a.codes.front();
    return complete(i, code >= 0x80 ? refused(code, a.type, a.properties) : MqttResult::ok_result(code));
  }
}

void MqttConnection::complete(std::size_t i, MqttResult r) {
  Op op = std::move(inflight_[i]);
  inflight_.erase(inflight_.begin() + static_cast<std::ptrdiff_t>(i));
  if (op.kind == OpKind::publish && op.qos > 0 && inflight_publishes_ > 0) --inflight_publishes_;
  if (inflight_.empty()) std::vector<Op>().swap(inflight_);
  op.done(std::move(r));
  pump();
}

void MqttConnection::publish(std::string topic, std::string payload, uint8_t qos, Done done) {
  if (qos > 2) return done(MqttResult{MqttResult::Status::refused, reason::qos_not_supported, "mqtt:qos_not_supported"});
  if (!valid_topic_name(topic)) return done(MqttResult{MqttResult::Status::refused, 0x90, "mqtt:topic_name_invalid"});
  enqueue(Op{.kind = OpKind::publish, .qos = qos, .topic = std::move(topic), .payload = std::move(payload), .done = std::move(done)});
}

void MqttConnection::subscribe(std::string filter, uint8_t qos, Done done) {
  if (qos > 2) return done(MqttResult{MqttResult::Status::refused, reason::qos_not_supported, "mqtt:qos_not_supported"});
  if (!valid_topic_filter(filter)) return done(MqttResult{MqttResult::Status::refused, 0x8F, "mqtt:topic_filter_invalid"});
  enqueue(Op{.kind = OpKind::subscribe, .qos = qos, .topic = std::move(filter), .done = std::move(done)});
}

void MqttConnection::unsubscribe(std::string filter, Done done) {
  if (!valid_topic_filter(filter)) return done(MqttResult{MqttResult::Status::refused, 0x8F, "mqtt:topic_filter_invalid"});
  enqueue(Op{.kind = OpKind::unsubscribe, .topic = std::move(filter), .done = std::move(done)});
}

void MqttConnection::enqueue(Op op) {
  if (state_ != State::idle && state_ != State::connecting && state_ != State::connected) {
    return op.done(MqttResult::unavailable("mqtt:closed"));
  }
  const std::size_t bytes = op.topic.size() + op.payload.size() + 16;
  const bool something_queued = !out_.empty() || !waiting_.empty();
  if (something_queued && out_.bytes() + waiting_bytes_ + bytes > max_queued_bytes_) {
    op.done(MqttResult::unavailable("mqtt:write_queue_full"));
    return end("mqtt:write_queue_full", state_ == State::connected, std::nullopt);
  }
  waiting_bytes_ += bytes;
  waiting_.push_back(std::move(op));
  pump();
}

void MqttConnection::pump() {
  while (state_ == State::connected && !waiting_.empty()) {
    const Op& front = waiting_.front();
    if (front.kind == OpKind::publish && front.qos > 0 && inflight_publishes_ >= broker_receive_max_) break;
    if (front.kind != OpKind::publish || front.qos > 0) {
      if (inflight_.size() >= 65535) break;  // every packet id is taken
    }
    Op op = std::move(waiting_.front());
    waiting_.erase(waiting_.begin());
    waiting_bytes_ -= op.topic.size() + op.payload.size() + 16;
    send_op(op);
  }
  if (waiting_.empty()) std::vector<Op>().swap(waiting_);
  flush();
}

bool MqttConnection::send_op(Op& op) {
  Packet p;
  const bool needs_id = op.kind != OpKind::publish || op.qos > 0;
  if (needs_id) op.id = next_packet_id();
  switch (op.kind) {
    case OpKind::publish:
      if (op.qos > broker_max_qos_) {
        op.done(MqttResult{MqttResult::Status::refused, reason::qos_not_supported, "mqtt:qos_not_supported"});
        return false;
      }
      p = Publish{.topic = std::move(op.topic), .payload = std::move(op.payload), .qos = op.qos, .packet_id = op.id};
      break;
    case OpKind::subscribe:
      p = Subscribe{.packet_id = op.id, .filters = {{std::move(op.topic), op.qos}}};
      break;
    case OpKind::unsubscribe:
      p = Unsubscribe{.packet_id = op.id, .filters = {std::move(op.topic)}};
      break;
  }
  auto bytes = encode_packet(version_, p);
  if (!bytes) {
    op.done(MqttResult{MqttResult::Status::refused, reason::packet_too_large, "mqtt:packet_too_large: " + bytes.error()});
    return false;
  }
  if (bytes->size() > broker_max_packet_) {
    op.done(MqttResult{MqttResult::Status::refused, reason::packet_too_large,
                       "mqtt:packet_too_large: " + std::to_string(bytes->size()) + " bytes, the broker takes at most " +
                           std::to_string(broker_max_packet_)});
    return false;
  }
  std::string().swap(op.topic);
  std::string().swap(op.payload);
  if (!needs_id) {
    out_.push(*bytes, [done = std::move(op.done)](bool written) {
      done(written ? MqttResult::ok_result() : MqttResult::unavailable("mqtt:connection_lost"));
    });
    return true;
  }
  out_.push(*bytes);
  if (op.kind == OpKind::publish) ++inflight_publishes_;
  inflight_.push_back(std::move(op));
  return true;
}

uint16_t MqttConnection::next_packet_id() {
  while (true) {
    if (++next_id_ == 0) next_id_ = 1;
    bool used = false;
    for (const auto& op : inflight_) used = used || op.id == next_id_;
    if (!used) return next_id_;
  }
}

void MqttConnection::send(const Packet& p, WriteQueue::Written written) {
  auto bytes = encode_packet(version_, p);
  // Only the operations above carry caller data that can fail to encode (checked there); the
  // protocol's own packets always encode.
  if (!bytes) {
    if (written) written(false);
    return;
  }
  out_.push(*bytes, std::move(written));
}

void MqttConnection::flush() {
  if (state_ == State::closed || state_ == State::idle) return;
  const std::string_view bytes = out_.begin_write();
  if (bytes.empty()) return;
  last_sent_ = Clock::now();
  transport_.async_write(bytes, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    auto done = self->out_.end_write();
    for (auto& d : done) d(!ec);
    if (self->state_ == State::closed) return;
    if (ec) {
      return self->end(self->state_ == State::connecting ? "mqtt:connection_closed_before_connack" : "mqtt:connection_lost",
                       self->state_ == State::connected, std::nullopt);
    }
    if (self->state_ == State::closing && self->out_.empty()) return self->close_now();
    self->flush();
  });
}

void MqttConnection::arm_keepalive() {
  if (keepalive_s_ == 0 || state_ != State::connected) return;
  const auto ka = std::chrono::milliseconds(uint32_t{keepalive_s_} * 1000);
  const auto at = ping_outstanding_ ? ping_sent_ + ka * 3 / 2 : last_sent_ + ka;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void MqttConnection::on_timer() {
  switch (state_) {
    case State::connecting:
      return end("mqtt:connect_timeout", false, std::nullopt);
    case State::closing:
      return close_now();
    case State::connected: {
      if (keepalive_s_ == 0) return;
      const auto now = Clock::now();
      const auto ka = std::chrono::milliseconds(uint32_t{keepalive_s_} * 1000);  // × 3 / 2 below stays exact
      if (ping_outstanding_ && now >= ping_sent_ + ka * 3 / 2) {
        failure_detail_ = "no PINGRESP within 1.5 x keepalive";
        return end("mqtt:connection_lost", true, std::nullopt);
      }
      if (!ping_outstanding_ && now >= last_sent_ + ka) {
        send(Ping{PacketType::pingreq});
        flush();
        ping_outstanding_ = true;
        ping_sent_ = now;
      }
      return arm_keepalive();
    }
    default:
      return;
  }
}

void MqttConnection::protocol_failure(uint8_t code, const std::string& detail) {
  failure_detail_ = detail;
  const bool v5 = version_ == ProtocolVersion::v5;
  end("mqtt:" + reason_code_name(code), state_ == State::connected,
      v5 ? std::optional<Disconnect>(Disconnect{.reason = code}) : std::nullopt);
}

void MqttConnection::close(bool with_will) {
  if (state_ == State::closed || state_ == State::closing) return;
  callbacks_.reset();  // the owner is done with this connection: `ended` and deliveries stop here
  std::optional<Disconnect> farewell;
  if (state_ == State::connected && (version_ == ProtocolVersion::v5 || !with_will)) {
    farewell = Disconnect{.reason = with_will ? reason::disconnect_with_will : reason::success};
  }
  end("mqtt:closed", false, farewell);
}

void MqttConnection::end(const std::string& reason, bool report, std::optional<Disconnect> farewell) {
  if (state_ == State::closed || state_ == State::closing) return;
  const bool can_say_goodbye = farewell && (state_ == State::connected || state_ == State::connecting);
  const bool never_opened = state_ == State::idle;
  // Decided first, so anything a callback below starts sees a connection that is going away.
  state_ = can_say_goodbye ? State::closing : State::closed;
  timer_.cancel();
  auto connect_done = std::move(connect_done_);
  auto waiting = std::move(waiting_);
  auto inflight = std::move(inflight_);
  waiting_bytes_ = 0;
  inflight_publishes_ = 0;
  std::vector<std::pair<uint16_t, bool>>().swap(qos2_in_);
  auto callbacks = std::move(callbacks_);
  if (can_say_goodbye) {
    send(*farewell);
    timer_.expires_after(kCloseGrace);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->on_timer();
    });
    flush();
  } else if (never_opened) {
    state_ = State::closed;
  } else {
    close_now();
  }
  const MqttResult lost = MqttResult::unavailable(reason);
  if (connect_done) connect_done(lost);
  for (auto& op : inflight) op.done(lost);
  for (auto& op : waiting) op.done(lost);
  if (report && callbacks && callbacks->ended) callbacks->ended(*this, reason);
}

void MqttConnection::close_now() {
  state_ = State::closed;
  timer_.cancel();
  transport_.close();
  for (auto& d : out_.clear()) d(false);
}

}  // namespace exproto::host::mqtt
