#include <doctest/doctest.h>

#include <algorithm>

#include "host/registry/codec_instance.h"
#include "host/registry/codec_library.h"
#include "test_support.h"

using namespace exproto::host;
using exproto::test::fixture;
using exproto::test::host_api;
using exproto::test::LogCapture;
using exproto::test::ScratchDir;

namespace {
bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::ranges::find(lines, line) != lines.end();
}
}  // namespace

TEST_CASE("instance: a failing create reports the last WARN/ERROR line the codec logged") {
  ScratchDir work("instance-fail");
  LogCapture capture;
  auto lib = CodecLibrary::load(fixture("create_fails"), work.path(), host_api());
  REQUIRE(lib.has_value());
  auto instance = CodecInstance::create(*lib, host_api(), R"({"x":1})");
  REQUIRE_FALSE(instance.has_value());
  CHECK(instance.error() == R"(codec 'create_fails' failed to create (status 1): config needs "port")");
  // Every codec line reaches the host log, attributed to the codec.
  const auto lines = capture.lines();
  CHECK(contains(lines, R"(warning [codec create_fails] config has no "port", trying the default)"));
  CHECK(contains(lines, R"(error [codec create_fails] config needs "port")"));
  CHECK(contains(lines, "info [codec create_fails] giving up"));
}

TEST_CASE("instance: an exception escaping on_codec_create fails the creation, not the host") {
  ScratchDir work("instance-throw");
  LogCapture capture;
  auto lib = CodecLibrary::load(fixture("create_throws"), work.path(), host_api());
  REQUIRE(lib.has_value());
  auto instance = CodecInstance::create(*lib, host_api(), "{}");
  REQUIRE_FALSE(instance.has_value());
  CHECK(instance.error() == "codec 'create_throws' failed to create (status 1): on_codec_create threw an exception");
}

TEST_CASE("instance: a good create hands out the codec's handle and keeps the library alive") {
  ScratchDir work("instance-good");
  auto lib = CodecLibrary::load(fixture("good"), work.path(), host_api());
  REQUIRE(lib.has_value());
  auto instance = CodecInstance::create(*lib, host_api(), "{}");
  REQUIRE(instance.has_value());
  lib->reset();  // the instance alone must keep the image mapped
  const CodecInstance& i = **instance;
  CHECK(reinterpret_cast<uintptr_t>(i.handle()) == 1);
  CHECK(i.library().name() == "good");
  CHECK((i.hooks().on_session_bytes != nullptr));
}

TEST_CASE("instance: log levels map to spdlog, unknown levels count as errors") {
  ScratchDir work("instance-log");
  auto lib = CodecLibrary::load(fixture("good"), work.path(), host_api());
  REQUIRE(lib.has_value());
  auto instance = CodecInstance::create(*lib, host_api(), "{}");
  REQUIRE(instance.has_value());
  LogCapture capture;
  (*instance)->log(EXPROTO_LOG_TRACE, "t");
  (*instance)->log(EXPROTO_LOG_DEBUG, "d");
  (*instance)->log(99, "future");
  const auto lines = capture.lines();
  CHECK(contains(lines, "trace [codec good] t"));
  CHECK(contains(lines, "debug [codec good] d"));
  CHECK(contains(lines, "error [codec good] future"));
}
