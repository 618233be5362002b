// The bench's stand-in for EMQX's ConnectionAdapter: answers every call SUCCESS at once and
// reports Sends and Closes to whoever drives the current run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace exproto::bench {

// Implemented by a load run. Called concurrently from gRPC threads.
class AdapterSink {
 public:
  virtual ~AdapterSink() = default;
  virtual void on_send(std::string_view conn, std::string_view bytes) = 0;
  virtual void on_close(std::string_view conn) = 0;
};

struct AdapterCounts {
  uint64_t send = 0;
  uint64_t close = 0;
  uint64_t authenticate = 0;
  uint64_t start_timer = 0;
  uint64_t publish = 0;
  uint64_t subscribe = 0;
  uint64_t unsubscribe = 0;
  uint64_t raw_publish = 0;

  uint64_t total() const {
    return send + close + authenticate + start_timer + publish + subscribe + unsubscribe + raw_publish;
  }
  AdapterCounts operator-(const AdapterCounts& earlier) const;
};

class AdapterServer {
 public:
  // bind like "127.0.0.1:0" (0 = any free port); `threads` completion-queue threads answer
  // calls; `max_streams` > 0 caps concurrent calls per HTTP/2 connection (EMQX's cowboy server
  // is believed to allow 100). Throws std::runtime_error if it cannot listen.
  explicit AdapterServer(const std::string& bind, int threads = 2, int max_streams = 0);
  ~AdapterServer();
  AdapterServer(const AdapterServer&) = delete;
  AdapterServer& operator=(const AdapterServer&) = delete;

  // "127.0.0.1:<port>", what a handler must be told to call.
  std::string address() const;

  // Routes Send/Close to `sink` from now on (nullptr: nowhere). Returns only when no call still
  // uses the previous sink, so the caller may destroy it right after detaching.
  void attach(AdapterSink* sink);

  AdapterCounts counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::bench
