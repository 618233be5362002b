// `exproto-host codec-runner`: the child process of an isolated route. Not for people: the host
// starts it with its pipes as fds 3, 4 (control) and 5.. (hook channels), loads the codec with the
// same loader as in-process routes (a private copy, SHA-256 checked against the host's load),
// creates the instance from the config the host sends, then serves hooks until the host goes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace exproto::host {

struct RunnerOptions {
  std::filesystem::path library;  // the codec file (the host's archived copy of the generation)
  std::string sha256;             // what the host loaded; another content is refused
  std::filesystem::path work_dir; // for the private copy; empty = temp dir
  std::size_t channels = 1;
  std::string log_level = "info";
  std::string log_format = "text";  // the host's log.format: text, or json with the label's fields
  std::string label;              // "<codec>@<route>", in every log line of the child
};

int run_codec_runner(const RunnerOptions& options);

}  // namespace exproto::host
