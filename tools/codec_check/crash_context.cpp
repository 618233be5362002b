#include "crash_context.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <stdexcept>

namespace codec_check {

void CrashContext::begin(std::string_view hook, std::string_view conn) {
  const std::string text = conn.empty() ? std::string(hook) : fmt::format("{} of session {}", hook, conn);
  const std::size_t n = std::min(text.size(), sizeof(phase) - 1);
  std::memcpy(phase, text.data(), n);
  phase[n] = '\0';
  input_len = input_total = 0;
}

void CrashContext::set_input(std::span<const std::uint8_t> bytes) {
  input_total = static_cast<std::uint32_t>(bytes.size());
  input_len = static_cast<std::uint32_t>(std::min(bytes.size(), sizeof(input)));
  std::memcpy(input, bytes.data(), input_len);
}

std::string CrashContext::describe() const {
  std::string out = phase[0] != '\0' ? std::string("in ") + phase : std::string("before the first hook");
  if (input_total != 0) {
    out += fmt::format(", input {} bytes:", input_total);
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(input_len, 48); ++i) out += fmt::format(" {:02x}", input[i]);
    if (input_total > 48) out += " ...";
  }
  return out;
}

SharedCrashContext::SharedCrashContext() {
  mapping_ = ::mmap(nullptr, sizeof(CrashContext), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) throw std::runtime_error("mmap of the shared crash context failed");
  context_ = std::construct_at(static_cast<CrashContext*>(mapping_));  // lives in the shared page
}

SharedCrashContext::~SharedCrashContext() {
  std::destroy_at(context_);
  ::munmap(mapping_, sizeof(CrashContext));
}

}  // namespace codec_check
