// Native mode's network threads: N io_contexts, each run by exactly one thread for its whole life.
// A device socket and the MQTT connection made for it live on the same io_context (the "shard"
// the conn id names), so device bytes, the codec hook run inline, the MQTT packet it causes and
// the broker's answer never change thread and need no strand or lock. Shared by host/listener
// (the device side) and host/mqtt (the broker side); it knows neither.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace exproto::host {

class IoThreads {
 public:
  using Executor = boost::asio::io_context::executor_type;

  // `count` shards (at least 1; sessions.workers, 0 there meaning the core count, is resolved
  // by the caller). Nothing runs until start().
  explicit IoThreads(std::size_t count);
  // Stops and joins (stop()).
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  // Starts one thread per shard, named "io-<shard>". Once only.
  void start();
  // Stops the run loops at once and joins the threads. Handlers not run yet are destroyed with
  // the contexts (their sockets closed by the objects' destructors): end listeners and
  // connections first (Listeners::stop). Idempotent; the contexts stay valid until destruction.
  void stop();

  std::size_t size() const { return shards_.size(); }
  boost::asio::io_context& context(std::size_t shard) { return shards_.at(shard)->io; }
  Executor executor(std::size_t shard) { return shards_.at(shard)->io.get_executor(); }
  // True on the thread that runs `shard`.
  bool on_shard(std::size_t shard) const { return shards_.at(shard)->io.get_executor().running_in_this_thread(); }

  // A new conn id on `shard` for the socket of listener `listener` (the route's index):
  // "n<shard>.<listener>.<counter>", e.g. "n1.0.42". Short enough for std::string's inline
  // storage at 100 000 devices (no heap per id). Any thread.
  std::string make_conn_id(std::size_t shard, std::size_t listener);
  // The shard a conn id made by make_conn_id names; nullopt for anything else (a foreign or
  // forged id), or for a shard this process does not have.
  std::optional<std::size_t> shard_of(std::string_view conn) const;
  // The executor of that shard: the MQTT side posts a device's connection work there.
  std::optional<Executor> executor_for(std::string_view conn);
  // The same, with shard 0 for ids that name none: what host/mqtt's MqttUpstream::ExecutorFor
  // wants (it asks for "" to place the host's own connection).
  Executor executor_or_first(std::string_view conn) { return executor_for(conn).value_or(executor(0)); }

  // A receive buffer per shard, shared by every socket of that shard: an idle socket waits for
  // readability and owns no buffer. Only on the shard's own thread, and only from a completion
  // until it returns (the next handler overwrites it).
  std::span<char> read_buffer(std::size_t shard) { return {shards_.at(shard)->buffer.get(), kReadBufferBytes}; }
  static constexpr std::size_t kReadBufferBytes = 64 * 1024;

 private:
  struct Shard {
    boost::asio::io_context io{1};  // one thread: Asio's locking inside is the cheap kind
    boost::asio::executor_work_guard<Executor> work{io.get_executor()};
    std::atomic<uint64_t> next_conn{1};
    std::unique_ptr<char[]> buffer = std::make_unique<char[]>(kReadBufferBytes);
    std::thread thread;
  };
  std::vector<std::unique_ptr<Shard>> shards_;
  bool started_ = false;
  bool stopped_ = false;
};

// Parses "n<shard>." at the start of a conn id; nullopt when it is not there.
std::optional<std::size_t> parse_conn_shard(std::string_view conn);

}  // namespace exproto::host
