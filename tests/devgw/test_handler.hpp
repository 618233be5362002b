// A tiny handler (the role exproto-host plays) for loopback tests of the gateway. It serves both
// ConnectionUnaryHandler and ConnectionHandler, records every event, and interprets device
// bytes as text commands, one per line, answering each on the device socket with "<code>\n":
//   AUTH <clientid> [password]   Authenticate (proto demo/v1)
//   PUB <topic> <payload>        Publish qos 0        RAW <topic> <payload>  RawPublish
//   SUB <filter>  / UNSUB <filter>                     KA <seconds>           StartTimer
//   CLOSE                        Close (no answer)     FAIL                   handler answers UNIMPLEMENTED
//   SLOW <ms>                    the handler takes that long to answer this event (no answer)
//   HANG                         (unary) the handler answers only once the gateway cancels the
//                                call (at most 10 s); counted in cancelled_calls()
// It also offers direct ConnectionAdapter calls for checking result codes.
#pragma once

#include "devgw/records.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace devgw_test {

using exproto::devgw::Delivery;
using exproto::devgw::EventKind;

struct SeenEvent {
  EventKind kind;
  std::string conn;
  std::string bytes;
  std::string reason;
  std::vector<Delivery> messages;
  bool streamed = false;  ///< arrived on a ConnectionHandler stream
  std::string peer_host;  ///< OnSocketCreated conninfo
  unsigned peer_port = 0;
  unsigned sock_port = 0;
  int socktype = -1;
};

struct Reply {
  int grpc_status = 0;
  int code = 0;
  std::string message;
};

class TestHandler {
 public:
  TestHandler();  // serves on 127.0.0.1:0
  ~TestHandler();
  std::string address() const;
  /// Where adapter calls go (the gateway's ConnectionAdapter).
  void set_adapter(const std::string& address);

  std::vector<SeenEvent> events() const;
  bool wait_for(const std::function<bool(const std::vector<SeenEvent>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(3)) const;

  /// Unary OnReceivedBytes calls the gateway cancelled while the handler held them (HANG).
  int cancelled_calls() const;

  Reply send(const std::string& conn, const std::string& bytes,
             std::chrono::milliseconds deadline = std::chrono::seconds(3));
  Reply close(const std::string& conn);
  Reply authenticate(const std::string& conn, const std::string& clientid, const std::string& password = "",
                     bool with_clientinfo = true, const std::string& username = "");
  Reply start_timer(const std::string& conn, int type, unsigned interval);
  Reply publish(const std::string& conn, const std::string& topic, unsigned qos, const std::string& payload);
  Reply subscribe(const std::string& conn, const std::string& filter, unsigned qos);
  Reply unsubscribe(const std::string& conn, const std::string& filter);
  Reply raw_publish(const std::string& topic, unsigned qos, const std::string& payload);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace devgw_test
