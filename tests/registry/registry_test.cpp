#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "host/registry/codec_registry.h"
#include "test_support.h"

using namespace exproto::host;
using exproto::test::fixture;
using exproto::test::host_api;
using exproto::test::LogCapture;
using exproto::test::ScratchDir;

TEST_CASE("registry: scan loads the good files and skips each bad one with its reason") {
  ScratchDir work("registry-work");
  ScratchDir plugins("registry-plugins");
  for (const char* name : {"good", "good_again", "not_elf", "abi_major_2", "big_descriptor", "create_fails"}) {
    std::filesystem::copy_file(fixture(name), plugins / (std::string(name) + ".so"));
  }
  std::ofstream(plugins / "README.txt") << "not a .so, not looked at\n";

  LogCapture capture;
  CodecRegistry registry(work.path(), host_api());
  const auto failures = registry.scan(plugins.path());

  REQUIRE(failures.size() == 3);
  CHECK(failures[0].file == plugins / "abi_major_2.so");
  CHECK(failures[0].reason == "ABI major 2 (host has 1)");
  CHECK(failures[1].file == plugins / "good_again.so");
  CHECK(failures[1].reason == "duplicate codec name 'good' (already loaded from " + (plugins / "good.so").string() + ")");
  CHECK(failures[2].file == plugins / "not_elf.so");
  CHECK(failures[2].reason == "dlopen failed: " + (plugins / "not_elf.so").string() + ": invalid ELF header");

  const auto lines = capture.lines();
  for (const auto& f : failures) {
    const std::string line = "warning skipping " + f.file.string() + ": " + f.reason;
    CHECK_MESSAGE(std::ranges::find(lines, line) != lines.end(), line);
  }

  REQUIRE(registry.find("good") != nullptr);
  CHECK(registry.find("good")->version() == "1.2.3");  // the first file by name keeps it
  CHECK(registry.find("big") != nullptr);
  CHECK(registry.find("create_fails") != nullptr);
  CHECK(registry.find("abi2") == nullptr);
  std::vector<std::string> names;
  for (const auto& lib : registry.all()) names.push_back(lib->name());
  CHECK(names == std::vector<std::string>{"big", "create_fails", "good"});
}

TEST_CASE("registry: a missing plugins folder is one failure, not a crash") {
  ScratchDir work("registry-missing");
  LogCapture capture;
  CodecRegistry registry(work.path(), host_api());
  const auto failures = registry.scan(work / "nope");
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].file == work / "nope");
  CHECK(failures[0].reason == "cannot read plugins folder: No such file or directory");
  CHECK(registry.all().empty());
  CHECK(capture.lines() ==
        std::vector<std::string>{"error skipping " + (work / "nope").string() + ": cannot read plugins folder: No such file or directory"});
}

TEST_CASE("registry: add refuses a name that is already registered") {
  ScratchDir work("registry-add");
  CodecRegistry registry(work.path(), host_api());
  REQUIRE(registry.add(fixture("good")).has_value());
  const auto again = registry.add(fixture("good_again"));
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error() == "duplicate codec name 'good' (already loaded from " + fixture("good").string() + ")");
}
