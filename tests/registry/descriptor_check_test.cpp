// check_descriptor on descriptors built in the test (the fixture codecs cover the loader's path;
// these are the cases host_fuzz_descriptor found, cheaper to state directly).
#include <doctest/doctest.h>

#include <cstddef>
#include <string>

#include "host/registry/descriptor_check.h"

using namespace exproto::host;

namespace {

// Every hook set (never called: the check only looks at whether each is there).
exproto_codec_descriptor complete(const char* name) {
  exproto_codec_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = EXPROTO_ABI_MAJOR;
  d.abi_minor = EXPROTO_ABI_MINOR;
  d.name = name;
  d.on_codec_create = [](const exproto_host_api*, exproto_type_codec_host_ptr, exproto_type_str,
                         exproto_type_codec_codec_ptr*) -> exproto_type_status { return 1; };
  d.on_codec_destroy = [](exproto_type_codec_codec_ptr) {};
  d.on_session_open = [](exproto_type_codec_codec_ptr, exproto_type_session_host_ptr, exproto_type_str,
                         const exproto_type_conninfo*, exproto_type_session_codec_ptr*) -> exproto_type_status { return 1; };
  d.on_session_close = [](exproto_type_session_codec_ptr, exproto_type_str) {};
  d.on_session_bytes = [](exproto_type_session_codec_ptr, exproto_type_bytes) -> exproto_type_status { return 1; };
  d.on_session_messages = [](exproto_type_session_codec_ptr, const exproto_type_message*,
                             size_t) -> exproto_type_status { return 1; };
  d.on_session_keepalive_timeout = [](exproto_type_session_codec_ptr) -> exproto_type_status { return 1; };
  d.on_session_timer = [](exproto_type_session_codec_ptr, uint64_t, uint64_t) -> exproto_type_status { return 1; };
  d.on_session_result = [](exproto_type_session_codec_ptr, const exproto_type_call_result*) -> exproto_type_status {
    return 1;
  };
  d.on_session_export = [](exproto_type_session_codec_ptr, const exproto_type_state_writer*) -> exproto_type_status {
    return 1;
  };
  return d;
}

}  // namespace

TEST_CASE("descriptor: a complete descriptor passes and keeps its optional hooks") {
  const auto d = complete("good");
  const auto checked = check_descriptor(&d);
  REQUIRE(checked.has_value());
  CHECK(checked->name == "good");
  CHECK((checked->hooks.on_session_export != nullptr));
}

TEST_CASE("descriptor: a struct_size ending inside a hook pointer is refused, not half copied (fuzz finding)") {
  auto d = complete("good");
  // Six bytes into on_session_export: the host used to copy those six bytes as a function pointer.
  d.struct_size = offsetof(exproto_codec_descriptor, on_session_export) + 6;
  const auto checked = check_descriptor(&d);
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error() == "descriptor struct_size " + std::to_string(d.struct_size) + " is not a multiple of 8 (not the size of a descriptor)");
  // A size that ends between fields is an older codec: the fields it lacks read as absent.
  d.struct_size = offsetof(exproto_codec_descriptor, on_session_export);
  const auto older = check_descriptor(&d);
  REQUIRE(older.has_value());
  CHECK((older->hooks.on_session_export == nullptr));
}

TEST_CASE("descriptor: an invalid name is quoted on one line (fuzz finding)") {
  const auto d = complete("evil\nERROR forged line");
  const auto checked = check_descriptor(&d);
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error() == R"(invalid codec name "evil\x0aERROR forged line" (expected [a-z0-9_-]{1,64}))");
}
