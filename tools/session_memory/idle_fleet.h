// Plays EMQX opening N device connections that then stay idle: OnSocketCreated for each, through
// the unary service or through the streaming service with the never-ending streams EMQX keeps per
// device (one per handler function it has used, up to five).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace exproto::memory {

struct IdleFleetOptions {
  std::string handler;             // "127.0.0.1:<port>"
  bool streaming = false;          // false: ConnectionUnaryHandler
  uint32_t streams_per_device = 2; // streaming: 1..5 (OnSocketCreated, OnReceivedBytes, then the rest)
  uint32_t channels = 4;           // HTTP/2 connections to the handler
  uint32_t listener_port = 7993;   // ConnInfo.sockname.port, routes the conns to the codec
  std::size_t max_in_flight = 2000;
};

class IdleFleet {
 public:
  explicit IdleFleet(IdleFleetOptions options);
  ~IdleFleet();  // cancels every stream still open
  IdleFleet(const IdleFleet&) = delete;
  IdleFleet& operator=(const IdleFleet&) = delete;

  // Opens `count` more devices (conn ids continue from the previous call) and returns how many
  // the handler accepted within `seconds`.
  std::size_t open(std::size_t count, double seconds);
  std::size_t opened() const;
  std::size_t open_streams() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::memory
