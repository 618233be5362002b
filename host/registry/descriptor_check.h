// Validation of the descriptor a codec's entry function returns, and the host-side copy of it.
// The codec's own struct is never used after this: the host keeps only the prefix it knows.
#pragma once

#include <exproto/codec_abi.h>

#include <cstddef>
#include <expected>
#include <string>

namespace exproto::host {

// The size of the descriptor in ABI 1.0; no major-1 codec may declare less.
inline constexpr std::size_t kDescriptorV1Size =
    offsetof(exproto_codec_descriptor, on_session_result) + sizeof(exproto_on_session_result);

struct CheckedDescriptor {
  exproto_codec_descriptor hooks{};  // struct_size = what the host knows; string fields unset
  std::string name;
  std::string version;
  std::string vendor;
};

// Errors (one line each): "entry returned no descriptor (the codec refused this host)",
// "descriptor struct_size 8 is smaller than ABI 1.0's 104", "descriptor struct_size 118 is not a
// multiple of 8 (not the size of a descriptor)", "ABI major 2 (host has 1)",
// "descriptor has no name", "invalid codec name \"X\" (expected [a-z0-9_-]{1,64})",
// "descriptor version is longer than 256 bytes", "hook on_session_bytes is missing".
std::expected<CheckedDescriptor, std::string> check_descriptor(const exproto_codec_descriptor* d);

}  // namespace exproto::host
