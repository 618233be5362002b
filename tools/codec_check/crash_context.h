// What the lifecycle child is doing right now, kept in memory shared with the parent: when the
// child dies from a signal or stops making progress, the parent can still say in which hook, for
// which session and on which input.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace codec_check {

struct CrashContext {
  std::atomic<std::uint64_t> progress{0};  // bumped after every hook; the parent watches it for hangs
  char phase[192] = {};                    // "on_session_bytes of session c-12"
  std::uint32_t input_len = 0;             // the bytes given to that hook (truncated to the buffer)
  std::uint32_t input_total = 0;
  std::uint8_t input[256] = {};

  void begin(std::string_view hook, std::string_view conn);
  void set_input(std::span<const std::uint8_t> bytes);
  void done() {
    input_len = input_total = 0;
    progress.fetch_add(1, std::memory_order_relaxed);
  }
  std::string describe() const;  // "in <phase>, input 37 bytes: 43 4f 4e ..."
};

// Anonymous shared memory holding one CrashContext, mapped before fork() so both processes see it.
class SharedCrashContext {
 public:
  SharedCrashContext();
  ~SharedCrashContext();
  SharedCrashContext(const SharedCrashContext&) = delete;
  SharedCrashContext& operator=(const SharedCrashContext&) = delete;
  CrashContext& get() { return *context_; }

 private:
  void* mapping_ = nullptr;
  CrashContext* context_ = nullptr;
};

}  // namespace codec_check
