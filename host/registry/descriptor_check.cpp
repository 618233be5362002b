#include "host/registry/descriptor_check.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "host/log/printable.h"
#include "host/registry/codec_name.h"

namespace exproto::host {
namespace {

constexpr std::size_t kMaxTextLength = 256;

// Reads a NUL-terminated string from the codec without trusting it to be terminated.
std::optional<std::string> bounded(const char* s, std::size_t max) {
  if (s == nullptr) return std::string();
  const std::size_t len = ::strnlen(s, max + 1);
  if (len > max) return std::nullopt;
  return std::string(s, len);
}

std::expected<void, std::string> check_hooks(const exproto_codec_descriptor& d) {
  // Every hook is required by ABI 1.0: the host calls them without null checks.
  const std::pair<const char*, bool> hooks[] = {
      {"on_codec_create", d.on_codec_create != nullptr},
      {"on_codec_destroy", d.on_codec_destroy != nullptr},
      {"on_session_open", d.on_session_open != nullptr},
      {"on_session_close", d.on_session_close != nullptr},
      {"on_session_bytes", d.on_session_bytes != nullptr},
      {"on_session_messages", d.on_session_messages != nullptr},
      {"on_session_keepalive_timeout", d.on_session_keepalive_timeout != nullptr},
      {"on_session_timer", d.on_session_timer != nullptr},
      {"on_session_result", d.on_session_result != nullptr},
  };
  for (const auto& [name, present] : hooks) {
    if (!present) return std::unexpected(std::string("hook ") + name + " is missing");
  }
  return {};
}

}  // namespace

std::expected<CheckedDescriptor, std::string> check_descriptor(const exproto_codec_descriptor* d) {
  if (d == nullptr) return std::unexpected("entry returned no descriptor (the codec refused this host)");

  const auto too_small = [&] {
    return std::unexpected("descriptor struct_size " + std::to_string(d->struct_size) + " is smaller than ABI 1.0's " +
                           std::to_string(kDescriptorV1Size));
  };
  // The major is checked before the full size, so a codec of another major is named as such
  // whatever its layout; only the fields up to abi_major are read for that.
  if (!EXPROTO_ABI_HAS_FIELD(d, exproto_codec_descriptor, abi_major)) return too_small();
  if (d->abi_major != EXPROTO_ABI_MAJOR) {
    return std::unexpected("ABI major " + std::to_string(d->abi_major) + " (host has " +
                           std::to_string(EXPROTO_ABI_MAJOR) + ")");
  }
  if (d->struct_size < kDescriptorV1Size) return too_small();
  // A size that ends inside a field would copy part of a hook pointer below, a garbage address
  // the host calls later (on_session_export in a migration; found by fuzzing). Every compiler
  // pads the struct to its alignment, so no sizeof() a codec can pass ends that way.
  if (d->struct_size % alignof(exproto_codec_descriptor) != 0) {
    return std::unexpected("descriptor struct_size " + std::to_string(d->struct_size) + " is not a multiple of " +
                           std::to_string(alignof(exproto_codec_descriptor)) + " (not the size of a descriptor)");
  }

  CheckedDescriptor out;
  // A newer minor may append fields; the host copies only the prefix it knows and ignores the rest.
  std::memcpy(&out.hooks, d, std::min<std::size_t>(d->struct_size, sizeof(exproto_codec_descriptor)));
  out.hooks.struct_size = sizeof(exproto_codec_descriptor);

  if (d->name == nullptr) return std::unexpected("descriptor has no name");
  auto name = bounded(d->name, kMaxCodecNameLength);
  if (!name || !is_valid_codec_name(*name)) {
    const std::string shown = name ? *name : std::string(d->name, kMaxCodecNameLength) + "...";
    // The name is the codec's bytes: a newline in it would start a forged log line (found by fuzzing).
    return std::unexpected("invalid codec name \"" + printable(shown) + "\" (expected [a-z0-9_-]{1,64})");
  }
  auto version = bounded(d->version, kMaxTextLength);
  if (!version) return std::unexpected("descriptor version is longer than 256 bytes");
  auto vendor = bounded(d->vendor, kMaxTextLength);
  if (!vendor) return std::unexpected("descriptor vendor is longer than 256 bytes");
  if (auto hooks = check_hooks(out.hooks); !hooks) return std::unexpected(hooks.error());

  out.name = std::move(*name);
  out.version = std::move(*version);
  out.vendor = std::move(*vendor);
  out.hooks.name = nullptr;  // the library points these at its own strings
  out.hooks.version = nullptr;
  out.hooks.vendor = nullptr;
  return out;
}

}  // namespace exproto::host
