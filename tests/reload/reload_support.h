// Helpers for the hot-reload tests: a private plugins folder to drop codec versions into, the
// host's view of a codec's generations, and devices that check every answer of the "counter"
// fixture (no loss, no duplicate, no reordering, counter continuity).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "host/reload/codec_status.h"
#include "host/reload/reloader.h"
#include "tcp_client.h"

namespace rtest {

using namespace std::chrono_literals;

// A fixture build of the counter codec: "v1", "v2", "v20" (no import), "v3" (create fails),
// "bad_major".
std::filesystem::path fixture(const std::string& variant);

// A fresh plugins folder, removed at the end.
class PluginsDir {
 public:
  PluginsDir();
  ~PluginsDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path codec_file() const { return path_ / "counter.so"; }
  // The safe way: write a temp name the watcher ignores, then rename over counter.so.
  void install_by_rename(const std::string& variant);
  // The unsafe way operators still use: cp over the existing file (same inode, truncated).
  void install_in_place(const std::string& variant);

 private:
  std::filesystem::path path_;
};

// A stack routing listener 0 to "counter", loading from `dir`, watching it with a short debounce.
itest::StackSpec counter_stack(const PluginsDir& dir, exproto::host::ReloadPolicy policy,
                               uint32_t drain_deadline_ms = 600000);

// A codec built in plugins/ (line, jsonframe, jt808), as the build placed it.
std::filesystem::path shipped_codec(const std::string& codec);
// A stack routing listener 0 to the shipped `codec`, copied into `dir` next to the counter.
itest::StackSpec shipped_stack(const PluginsDir& dir, const std::string& codec, exproto::host::ReloadPolicy policy,
                               uint32_t drain_deadline_ms = 600000);

std::optional<exproto::host::CodecStatus> codec_status(exproto::host::App& app, const std::string& name = "counter");
// Waits until the current generation of "counter" has `version`.
bool wait_current(exproto::host::App& app, const std::string& version, std::chrono::milliseconds timeout = 5s);
// Waits until generation `number` of "counter" is in `state` (e.g. "unloaded").
// Distinct private copies of the counter codec mapped into this process now.
std::size_t mapped_counter_images();

bool wait_generation_state(exproto::host::App& app, uint64_t number, const std::string& state,
                           std::chrono::milliseconds timeout = 5s, const std::string& codec = "counter");

// One device speaking the counter protocol: line i is "<i>", the answer must be "vX:<i> <i>".
class Device {
 public:
  explicit Device(uint16_t port) : tcp_(port) {}
  // Sends `n` lines and checks their `n` answers; returns false (with error()) on any mismatch.
  bool exchange(int n = 1);
  const std::string& last_prefix() const { return last_prefix_; }
  const std::string& error() const { return error_; }
  uint64_t answered() const { return next_; }
  uint64_t answered_by(const std::string& prefix) const;
  uint64_t reversals() const { return reversals_; }  // a v1 answer after a v2 one
  // Asks "RESULTS" until the codec has the results of all its sends; "" or the problem.
  std::string check_results(std::chrono::milliseconds timeout = 5s);
  itest::TcpClient& tcp() { return tcp_; }

 private:
  itest::TcpClient tcp_;
  uint64_t next_ = 0;
  std::string last_prefix_;
  std::string error_;
  uint64_t v1_ = 0, v2_ = 0;
  uint64_t reversals_ = 0;
};

// Many devices, each on its own thread, exchanging pipelined lines until stopped.
class Load {
 public:
  Load(uint16_t port, int devices, int pipeline = 4);
  ~Load();  // stops
  void stop();
  uint64_t answered() const { return answered_.load(); }
  std::vector<std::string> errors() const;
  uint64_t answered_by(const std::string& prefix) const;  // after stop()
  uint64_t reversals() const;                             // after stop()
  bool all_last(const std::string& prefix) const;         // after stop(): every device's last answer
  // After stop(): each session got the result of every send exactly once, across generations.
  std::vector<std::string> check_results();
  // Waits until every device got at least `n` more answers than now.
  bool wait_progress(uint64_t n, std::chrono::milliseconds timeout = 5s);

 private:
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<std::atomic<uint64_t>> per_device_;
  std::vector<std::jthread> threads_;
  std::atomic<uint64_t> answered_{0};
  mutable std::mutex mu_;
  std::vector<std::string> errors_;
};

}  // namespace rtest
