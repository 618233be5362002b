// One MQTT client connection to the broker (one per authenticated device, plus the host's own for
// raw_publish). Lives on one executor whose io_context is run by exactly one thread: every member
// function must be called there, every callback runs there, and nothing inside is locked.
//
// It owns the protocol: CONNECT and its timeout, keepalive PINGREQ with a missing-PINGRESP check
// (1.5 × keepalive), packet ids, QoS 1/2 in flight bounded by the broker's receive maximum (later
// operations wait in call order), a write queue bounded in bytes, acknowledgements of deliveries
// only once the owner says they were handled, and DISCONNECT both ways.
//
// Every operation's `done` runs exactly once: with the broker's answer, or `unavailable` when the
// connection is lost, closed or was never made.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "host/mqtt/mqtt_result.h"
#include "host/mqtt/mqtt_transport.h"
#include "host/mqtt/packet_decoder.h"
#include "host/mqtt/packets.h"
#include "host/mqtt/write_queue.h"

namespace exproto::host::mqtt {

struct MqttConnectionOptions {
  ProtocolVersion version = ProtocolVersion::v5;
  std::string clientid;
  std::optional<std::string> username;
  std::optional<std::string> password;
  uint16_t keepalive_s = 60;  // 0: no keepalive
  std::chrono::milliseconds connect_timeout{5000};
  // Bytes queued for the socket plus operations waiting for an in-flight slot; past it the
  // operation fails and the connection ends with "mqtt:write_queue_full".
  std::size_t max_queued_bytes = 1 << 20;
  // Largest packet accepted from the broker (announced to it in MQTT 5's CONNECT).
  uint32_t max_packet_size = 1 << 20;
  // QoS 1/2 deliveries not yet acknowledged that the broker may send (announced in MQTT 5's
  // CONNECT; 3.1.1 has no such thing). Bounds how far the broker runs ahead of a slow session.
  uint16_t receive_maximum = 32;
  // TLS only: SNI and the name the certificate must carry (empty: no name check).
  std::string tls_server_name;
};

// Packet ids of deliveries to acknowledge once handled (QoS 1: PUBACK, QoS 2: PUBREC).
struct DeliveryAcks {
  std::vector<uint16_t> puback;
  std::vector<uint16_t> pubrec;
};

class MqttConnection : public std::enable_shared_from_this<MqttConnection> {
 public:
  using Done = std::function<void(MqttResult)>;
  struct Callbacks {
    // PUBLISHes from the broker, one call per read; acknowledge(acks) once they are handled.
    std::function<void(MqttConnection& from, std::vector<Publish>, DeliveryAcks)> messages;
    // The connection ended after a successful CONNECT, not by close(): "mqtt:session_taken_over",
    // "mqtt:connection_lost", … Runs once, after every pending operation got its `done`.
    std::function<void(MqttConnection& from, const std::string& reason)> ended;
  };

  // `tls`: the shared client context or null; it must outlive the connection.
  MqttConnection(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* tls, MqttConnectionOptions options,
                 Callbacks callbacks);
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  // TCP to the first endpoint that answers, TLS handshake, CONNECT, CONNACK — all within
  // connect_timeout. `done`: ok, refused (the CONNACK code), or unavailable.
  void connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, Done done);

  // Operations may be started before and while connecting: they wait for the CONNACK (and fail
  // if it is not a success). QoS 0: ok once written to the socket; QoS 1: on PUBACK; QoS 2: on PUBCOMP.
  void publish(std::string topic, std::string payload, uint8_t qos, Done done);
  void subscribe(std::string filter, uint8_t qos, Done done);
  void unsubscribe(std::string filter, Done done);
  void acknowledge(const DeliveryAcks& acks);

  // Ends the connection from our side: MQTT 5 sends DISCONNECT 0x04 ("with will", the device
  // vanished) or 0x00; 3.1.1 sends DISCONNECT only for an orderly close (dropping TCP makes the
  // broker publish the will). Pending operations fail; `ended` does not run.
  void close(bool with_will);
  // Gives up before connect() could be called (the broker address did not resolve): operations
  // waiting for the connection fail with `reason`.
  void fail(const std::string& reason) { end(reason, false, std::nullopt); }

  bool connected() const { return state_ == State::connected; }
  // Server keep alive (MQTT 5 CONNACK) or ours.
  uint16_t keepalive_s() const { return keepalive_s_; }
  const std::string& assigned_clientid() const { return assigned_clientid_; }
  // After a protocol failure: what exactly was wrong with the broker's bytes.
  const std::string& failure_detail() const { return failure_detail_; }

 private:
  enum class State : uint8_t { idle, connecting, connected, closing, closed };
  enum class OpKind : uint8_t { publish, subscribe, unsubscribe };
  struct Op {
    OpKind kind = OpKind::publish;
    uint8_t qos = 0;
    uint16_t id = 0;        // once sent (QoS > 0, SUBSCRIBE, UNSUBSCRIBE)
    bool released = false;  // QoS 2: PUBREC seen, PUBREL sent, waiting for PUBCOMP
    std::string topic;      // released once sent
    std::string payload;
    Done done;
  };

  void on_connected_tcp();
  void read();
  void on_bytes(std::string_view bytes);
  void handle(Packet&& p, std::vector<Publish>& batch, DeliveryAcks& acks);
  void on_connack(const Connack& c);
  void on_publish(Publish&& p, std::vector<Publish>& batch, DeliveryAcks& acks);
  void on_ack(const PubAck& a);
  void on_suback(const SubAck& a);
  void send(const Packet& p, WriteQueue::Written written = {});
  void flush();
  void enqueue(Op op);
  void pump();
  bool send_op(Op& op);
  uint16_t next_packet_id();
  void complete(std::size_t inflight_index, MqttResult r);
  void arm_keepalive();
  void on_timer();
  // The connection is over: everything pending fails with `reason`, `ended(reason)` runs when
  // `report`, then the socket closes — after writing `farewell` (and what was queued before it)
  // within a short grace period, if given.
  void end(const std::string& reason, bool report, std::optional<Disconnect> farewell);
  // The broker broke the protocol: MQTT 5 tells it why (DISCONNECT `code`) and the connection ends.
  void protocol_failure(uint8_t code, const std::string& detail);
  void close_now();
  MqttResult refused(uint8_t code, PacketType type, const Properties& props) const;

  MqttTransport transport_;
  boost::asio::steady_timer timer_;  // connect timeout, then keepalive, then the close grace
  // Shared so a callback that closes this connection cannot destroy itself while it runs.
  std::shared_ptr<const Callbacks> callbacks_;
  PacketDecoder decoder_;
  WriteQueue out_;
  std::vector<Op> waiting_;   // not sent yet, in call order
  std::vector<Op> inflight_;  // sent, waiting for the broker's answer
  // QoS 2 deliveries: ids received and not yet released by PUBREL, and whether PUBREC was sent.
  std::vector<std::pair<uint16_t, bool>> qos2_in_;
  Done connect_done_;
  std::string assigned_clientid_;
  std::string failure_detail_;  // why the broker's bytes were refused, for the owner's log line
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point ping_sent_{};
  uint32_t broker_max_packet_ = kMaxRemainingLength + 5;
  uint16_t broker_receive_max_ = 65535;
  std::size_t waiting_bytes_ = 0;  // topic + payload bytes of waiting_
  uint16_t next_id_ = 0;
  uint16_t keepalive_s_ = 0;
  uint16_t inflight_publishes_ = 0;
  uint8_t broker_max_qos_ = 2;
  State state_ = State::idle;
  bool ping_outstanding_ = false;
  // What the session needs after CONNECT; the rest of the options (identity, timeouts) is held
  // only until CONNECT is written, so an idle connection does not keep it.
  const ProtocolVersion version_;
  const uint16_t wanted_keepalive_s_;
  const uint32_t max_packet_size_;
  const std::size_t max_queued_bytes_;
  std::unique_ptr<MqttConnectionOptions> connect_options_;  // last: built from the moved options
};

}  // namespace exproto::host::mqtt
