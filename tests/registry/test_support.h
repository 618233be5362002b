// Helpers shared by the registry tests: where the fixture codecs are, a scratch folder, a host API
// table whose log reaches CodecInstance (as the lead's real table does), and a log capture.
#pragma once

#include <exproto/codec_abi.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/registry/codec_instance.h"

namespace exproto::test {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(EXPROTO_FIXTURE_DIR) / name / (name + ".so");
}

// A fresh folder under the temp dir, removed with its content at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() / ("exproto-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void test_log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  if (codec != nullptr) static_cast<host::CodecInstance*>(codec)->log(level, std::string_view(msg.ptr, msg.len));
}

// Only log is reachable from the fixtures; everything that would go to EMQX is refused.
inline const exproto_host_api* host_api() {
  static const exproto_host_api api = [] {
    exproto_host_api a{};
    a.struct_size = sizeof(exproto_host_api);
    a.abi_major = EXPROTO_ABI_MAJOR;
    a.abi_minor = EXPROTO_ABI_MINOR;
    a.host_version = "test";
    a.log = &test_log;
    a.session_log = [](exproto_type_session_host_ptr, int32_t, exproto_type_str) {};
    a.send = [](exproto_type_session_host_ptr, exproto_type_bytes) -> uint64_t { return 0; };
    a.close = [](exproto_type_session_host_ptr) -> uint64_t { return 0; };
    a.authenticate = [](exproto_type_session_host_ptr, const exproto_type_clientinfo*, exproto_type_str) -> uint64_t {
      return 0;
    };
    a.start_keepalive = [](exproto_type_session_host_ptr, uint32_t) -> uint64_t { return 0; };
    a.publish = [](exproto_type_session_host_ptr, exproto_type_str, uint32_t, exproto_type_bytes) -> uint64_t {
      return 0;
    };
    a.raw_publish = a.publish;
    a.subscribe = [](exproto_type_session_host_ptr, exproto_type_str, uint32_t) -> uint64_t { return 0; };
    a.unsubscribe = [](exproto_type_session_host_ptr, exproto_type_str) -> uint64_t { return 0; };
    a.timer_start = [](exproto_type_session_host_ptr, uint64_t, uint64_t) -> uint64_t { return 0; };
    a.timer_cancel = [](exproto_type_session_host_ptr, uint64_t) { return false; };
    return a;
  }();
  return &api;
}

// Routes the default logger into memory for the scope of a test ("<level> <message>" lines).
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::string> lines() const {
    auto lines = sink_->last_formatted();
    for (auto& line : lines) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    }
    return lines;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace exproto::test
