// Why a codec file was not taken, as a bounded set: the `reason` label of
// exproto_plugin_files_refused_total. The log line beside each refusal says the detail.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace exproto::host {

enum class LoadRefusal : uint8_t {
  file,         // not read as a trusted regular file: symbolic link, FIFO, unreadable, over
                // plugins.max_file_bytes, plugins.trust "strict" owner or mode (or no copy could be written)
  signature,    // unsigned while plugins.require_signature is on, or a bad or untrusted signature
  elf,          // not an ELF shared object the host can reload (e.g. static TLS)
  dlopen,       // the dynamic loader refused it (missing symbol, wrong architecture)
  not_a_codec,  // no exproto_codec_entry_v1, or the entry threw
  descriptor,   // the descriptor failed its checks (ABI major, struct size, name, missing hook)
  duplicate,    // at start-up: another file already declared that codec name
  create,       // on a reload: on_codec_create failed for one of the codec's routes
};
inline constexpr std::size_t kLoadRefusals = 8;

constexpr std::string_view to_string(LoadRefusal r) {
  constexpr std::array<std::string_view, kLoadRefusals> kNames{"file",        "signature",  "elf",       "dlopen",
                                                               "not_a_codec", "descriptor", "duplicate", "create"};
  return kNames[static_cast<std::size_t>(r)];
}

}  // namespace exproto::host
