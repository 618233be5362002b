// check_descriptor on descriptors a codec could return: struct_size, ABI numbers, which hooks are
// set and the three strings come from the input. The descriptor lives in a heap block of exactly
// struct_size bytes and each string in one of exactly its length + NUL, so ASan reports any read
// past what the codec declared (a field beyond struct_size, a byte past a terminator).
// Input: u32 struct_size, u32 abi_major, u32 abi_minor, u16 hook mask, u8 null-string mask, then
// name, version and vendor separated by NUL bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "fuzz_input.h"
#include "host/registry/codec_name.h"
#include "host/registry/descriptor_check.h"

using exproto::host::fuzz::require;

namespace {

std::unique_ptr<char[]> exact_copy(const std::string& s) {
  auto out = std::make_unique<char[]>(s.size() + 1);
  std::memcpy(out.get(), s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  exproto::host::fuzz::Input in(data, size);
  exproto_codec_descriptor d{};
  d.struct_size = in.integer<uint32_t>();
  d.abi_major = in.integer<uint32_t>() % 4;  // 1 most of the time the input wants it, others rarely
  d.abi_minor = in.integer<uint32_t>();
  const auto hooks = in.integer<uint16_t>();
  const uint8_t nulls = in.byte();
  const std::string name = in.until_nul();
  const std::string version = in.until_nul();
  const std::string vendor = in.until_nul();
  auto name_c = exact_copy(name);
  auto version_c = exact_copy(version);
  auto vendor_c = exact_copy(vendor);
  d.name = (nulls & 1) != 0 ? nullptr : name_c.get();
  d.version = (nulls & 2) != 0 ? nullptr : version_c.get();
  d.vendor = (nulls & 4) != 0 ? nullptr : vendor_c.get();
  // The hooks are never called (the check only looks at whether each is set).
  if (hooks & (1 << 0)) d.on_codec_create = [](const exproto_host_api*, exproto_type_codec_host_ptr, exproto_type_str,
                                                exproto_type_codec_codec_ptr*) -> exproto_type_status { std::abort(); };
  if (hooks & (1 << 1)) d.on_codec_destroy = [](exproto_type_codec_codec_ptr) { std::abort(); };
  if (hooks & (1 << 2))
    d.on_session_open = [](exproto_type_codec_codec_ptr, exproto_type_session_host_ptr, exproto_type_str,
                           const exproto_type_conninfo*, exproto_type_session_codec_ptr*) -> exproto_type_status {
      std::abort();
    };
  if (hooks & (1 << 3)) d.on_session_close = [](exproto_type_session_codec_ptr, exproto_type_str) { std::abort(); };
  if (hooks & (1 << 4))
    d.on_session_bytes = [](exproto_type_session_codec_ptr, exproto_type_bytes) -> exproto_type_status { std::abort(); };
  if (hooks & (1 << 5))
    d.on_session_messages = [](exproto_type_session_codec_ptr, const exproto_type_message*,
                               size_t) -> exproto_type_status { std::abort(); };
  if (hooks & (1 << 6))
    d.on_session_keepalive_timeout = [](exproto_type_session_codec_ptr) -> exproto_type_status { std::abort(); };
  if (hooks & (1 << 7))
    d.on_session_timer = [](exproto_type_session_codec_ptr, uint64_t, uint64_t) -> exproto_type_status { std::abort(); };
  if (hooks & (1 << 8))
    d.on_session_result = [](exproto_type_session_codec_ptr, const exproto_type_call_result*) -> exproto_type_status {
      std::abort();
    };
  if (hooks & (1 << 9))
    d.on_session_export = [](exproto_type_session_codec_ptr, const exproto_type_state_writer*) -> exproto_type_status {
      std::abort();
    };

  // The block the codec "returned": its declared size, at least the struct_size field itself.
  const std::size_t block = std::clamp<std::size_t>(d.struct_size, sizeof d.struct_size, sizeof d + 64);
  auto raw = std::make_unique<unsigned char[]>(block);
  std::memcpy(raw.get(), &d, std::min(block, sizeof d));
  const auto* declared = reinterpret_cast<const exproto_codec_descriptor*>(raw.get());

  const auto checked = exproto::host::check_descriptor(declared);
  if (!checked) {
    require(!checked.error().empty() && checked.error().find('\n') == std::string::npos, "descriptor error:",
            checked.error());
    return 0;
  }
  // Accepted: everything the host will rely on without further checks holds.
  require(d.abi_major == EXPROTO_ABI_MAJOR, "accepted another ABI major");
  require(d.struct_size >= exproto::host::kDescriptorV1Size, "accepted a short descriptor");
  require(checked->name == name && exproto::host::is_valid_codec_name(checked->name), "accepted name", checked->name);
  require((hooks & 0x1FF) == 0x1FF, "accepted a descriptor with a hook missing");
  require(checked->hooks.struct_size == sizeof(exproto_codec_descriptor), "copy has the codec's struct_size");
  // A field past what the codec declared reads as absent, never as whatever followed the struct.
  const bool export_declared = d.struct_size >= offsetof(exproto_codec_descriptor, on_session_export) + sizeof(void*);
  require((checked->hooks.on_session_export != nullptr) == (export_declared && (hooks & (1 << 9)) != 0),
          "on_session_export copied wrongly for its struct_size");
  return 0;
}
