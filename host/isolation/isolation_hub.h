// What the isolated routes share: supervision settings, the host's metrics and real host API
// table (the target of the children's calls), and the way to reach the sessions of an instance
// whose child died. Owned by the App; outlives every instance and the dispatcher.
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

class CodecInstance;
class Dispatcher;
struct Metrics;

struct IsolationSettings {
  IsolationConfig config;             // runner, backoff, rollback
  std::filesystem::path runner;       // resolved: config.runner or this executable
  std::filesystem::path work_dir;     // where children make their private copies
  std::string log_level = "info";     // the children log to the host's stdout at this level
  std::string log_format = "text";    // and in the host's log.format (text|json)
  std::chrono::milliseconds hook_timeout{5000};
  std::size_t channels = 4;           // hooks one child runs at once (the host's workers + spare)
  std::size_t lanes = 2;              // hook lanes per child (hook_lane.h): bytes, messages, results
};

class IsolationHub {
 public:
  IsolationHub(IsolationSettings settings, Metrics& metrics, const exproto_host_api* api)
      : settings_(std::move(settings)), metrics_(metrics), api_(api) {}
  IsolationHub(const IsolationHub&) = delete;
  IsolationHub& operator=(const IsolationHub&) = delete;

  const IsolationSettings& settings() const { return settings_; }
  Metrics& metrics() const { return metrics_; }
  const exproto_host_api* api() const { return api_; }

  // The dispatcher whose sessions close_sessions reaches; nullptr detaches (before the dispatcher
  // goes), waiting for a close_sessions in progress.
  void attach(Dispatcher* dispatcher);
  // Closes every session served by `instance` through EMQX (the sessions' own close path), since
  // their codec state died with the child; returns how many. Any thread.
  std::size_t close_sessions(const CodecInstance* instance, const std::string& why);

  // Hooks sent on a hook lane whose session has not finished hearing of them: until then a lane's
  // reader may still call into the session and what it uses (the pool, the adapter). Shutdown
  // waits for none before tearing those down.
  std::atomic<std::size_t>& lane_hooks() { return lane_hooks_; }
  bool wait_lane_hooks(std::chrono::steady_clock::time_point deadline) const;

 private:
  const IsolationSettings settings_;
  Metrics& metrics_;
  const exproto_host_api* const api_;
  std::mutex mu_;
  Dispatcher* dispatcher_ = nullptr;
  std::atomic<std::size_t> lane_hooks_{0};
};

}  // namespace exproto::host
