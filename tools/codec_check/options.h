// Command line of exproto-codec-check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace codec_check {

struct Options {
  std::filesystem::path codec;
  std::string config_json = "{}";  // the route's "config" object handed to on_codec_create
  std::filesystem::path corpus;    // empty: random input only
  double fuzz_seconds = 2;
  unsigned sessions = 8;
  std::uint64_t seed = 0;
  double hang_seconds = 10;  // a hook running longer than this is a hang
  bool no_fork = false;      // run the lifecycle in-process (to debug the codec under gdb)
};

}  // namespace codec_check
