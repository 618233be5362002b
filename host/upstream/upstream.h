// Where a session's actions go. Today: EMQX's ConnectionAdapter (host/adapter). Kept free of gRPC
// so that a later backend (own sockets + MQTT) can implement the same interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <exproto/codec_abi.h>

namespace exproto::host {

struct UpstreamCall {
  exproto_type_call_kind kind = EXPROTO_CALL_SEND;
  std::string conn;
  std::string data;    // Send: bytes; Publish/RawPublish: payload; Authenticate: password
  std::string topic;   // Publish/RawPublish/Subscribe/Unsubscribe
  uint32_t qos = 0;    // Publish/RawPublish/Subscribe
  uint32_t interval_s = 0;  // StartKeepalive
  struct ClientInfo {
    std::string proto_name, proto_ver, clientid, username, mountpoint;
  } clientinfo;        // Authenticate
  // When the codec made the call: its deadline counts from here, not from when it is sent, so a
  // call queued behind a stalled one cannot wait timeout × queue length.
  std::chrono::steady_clock::time_point queued_at{};
};

// Bytes a queued call holds (what the memory limits count).
inline std::size_t upstream_call_bytes(const UpstreamCall& c) {
  return c.data.size() + c.topic.size() + c.clientinfo.clientid.size() + c.clientinfo.username.size();
}

struct UpstreamResult {
  int32_t code = EXPROTO_RESULT_SUCCESS;  // EXPROTO_RESULT_*
  std::string message;
  // The host refused the call after the codec had its id (isolated routes): EMQX never saw it, so
  // it counts as a refused call, not as a failed adapter call.
  bool never_sent = false;
};

class Upstream {
 public:
  virtual ~Upstream() = default;
  // Starts the call; `done` runs exactly once, on any thread, possibly before call() returns.
  // Calls are independent: ordering per session is the CallSequencer's job.
  virtual void call(UpstreamCall c, std::function<void(UpstreamResult)> done) = 0;
};

const char* call_kind_name(int32_t kind);

}  // namespace exproto::host
