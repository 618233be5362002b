#include "host/net/io_threads.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>

namespace exproto::host {

std::optional<std::size_t> parse_conn_shard(std::string_view conn) {
  if (conn.size() < 3 || conn[0] != 'n') return std::nullopt;
  std::size_t shard = 0;
  const char* first = conn.data() + 1;
  const char* last = conn.data() + conn.size();
  auto [end, ec] = std::from_chars(first, last, shard);
  if (ec != std::errc{} || end == first || end == last || *end != '.') return std::nullopt;
  return shard;
}

IoThreads::IoThreads(std::size_t count) {
  if (count == 0) throw std::invalid_argument("IoThreads: at least one shard");
  shards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

IoThreads::~IoThreads() { stop(); }

void IoThreads::start() {
  if (started_) return;
  started_ = true;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& s = *shards_[i];
    s.thread = std::thread([&s, i] {
      const std::string name = "io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      // A handler that throws is a bug of ours (handlers catch what they expect); the shard must
      // not die with it, or every device on it would hang without a word.
      for (;;) {
        try {
          s.io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("io thread {}: handler threw: {}; continuing", i, e.what());
        }
      }
    });
  }
}

void IoThreads::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& s : shards_) s->work.reset();
  for (auto& s : shards_) s->io.stop();
  for (auto& s : shards_)
    if (s->thread.joinable()) s->thread.join();
}

std::string IoThreads::make_conn_id(std::size_t shard, std::size_t listener) {
  const uint64_t n = shards_.at(shard)->next_conn.fetch_add(1, std::memory_order_relaxed);
  std::string id;
  id.reserve(15);  // the inline capacity of libstdc++'s std::string
  id += 'n';
  id += std::to_string(shard);
  id += '.';
  id += std::to_string(listener);
  id += '.';
  id += std::to_string(n);
  return id;
}

std::optional<std::size_t> IoThreads::shard_of(std::string_view conn) const {
  auto shard = parse_conn_shard(conn);
  if (!shard || *shard >= shards_.size()) return std::nullopt;
  return shard;
}

std::optional<IoThreads::Executor> IoThreads::executor_for(std::string_view conn) {
  auto shard = shard_of(conn);
  if (!shard) return std::nullopt;
  return executor(*shard);
}

}  // namespace exproto::host
