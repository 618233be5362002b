// Transport-neutral events of one device connection, as the handler services hand them over.
// Nothing here knows gRPC: a later backend that owns sockets itself produces the same events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "host/config/config.h"

namespace exproto::host {

class CodecInstance;

struct ConnMeta {
  SockType socktype = SockType::tcp;
  std::string peer_host;
  uint32_t peer_port = 0;
  std::string sock_host;
  uint32_t sock_port = 0;
  std::string cert_cn;
  std::string cert_dn;
};

struct DeliveredMessage {
  std::string node;
  std::string id;
  uint32_t qos = 0;
  std::string from;
  std::string topic;
  std::string payload;
  uint64_t timestamp_ms = 0;
};

namespace event {
struct Opened { ConnMeta meta; };
struct Bytes { std::string data; };
struct Messages { std::vector<DeliveredMessage> messages; };
struct KeepaliveTimeout {};
struct Closed { std::string reason; };
struct TimerFired { uint64_t timer_id; uint64_t tag; };
// `never_sent`: refused by the host after an isolated codec's child had handed out its id.
struct CallDone { uint64_t request_id; int32_t kind; int32_t code; std::string message; bool never_sent = false; };
// Hot reload, queued by the host itself so that it happens between two events, in order.
// Move the session to `target` (another generation of its codec) if both generations can; else
// it stays, or with `close_if_stuck` (a drain past its deadline) it is closed.
// `handled`: shared by the Migrate events of one reload and released as each is handled (or
// dropped with its session), so whoever made them learns when the last one was done.
struct Migrate {
  std::shared_ptr<CodecInstance> target;
  bool close_if_stuck = false;
  std::shared_ptr<const void> handled;
};
// Close the session so the device reconnects (reload policy "restart", generation cap).
struct Restart { std::string why; };
// Reconciliation: ask EMQX whether the conn still exists (a zero-length Send, answered
// CONN_PROCESS_NOT_ALIVE when EMQX forgot it); the answer never reaches the codec.
struct Probe {};
}  // namespace event

using Event = std::variant<event::Opened, event::Bytes, event::Messages, event::KeepaliveTimeout, event::Closed,
                           event::TimerFired, event::CallDone, event::Migrate, event::Restart, event::Probe>;

// Bytes an event holds beyond its fixed size (payloads, topics): what the memory limits count.
std::size_t event_payload_bytes(const Event& e);

const char* event_name(const Event& e);

}  // namespace exproto::host
