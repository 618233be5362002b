// A codec reload in the middle of a measured window, done the way an operator does it: the new
// file is written under a temporary name in the host's plugins folder and renamed over the old
// one. Afterwards the host's log says when the new generation was serving and what happened to
// the sessions.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace exproto::bench {

class ReloadProbe {
 public:
  // `target`: the codec file the host loads (in its private plugins folder). `replacement`: the
  // new build; empty means a rebuild of the same code (the current file plus trailing bytes, so
  // its SHA-256 changes and the host takes it as a new generation).
  ReloadProbe(std::filesystem::path target, std::filesystem::path replacement);

  // Installs the replacement; called from the load driver at the reload time. Throws
  // std::runtime_error when the file cannot be written.
  void install();

  struct Outcome {
    double landing_to_serving_seconds = -1;  // -1: the log does not show the new generation
    std::string sessions;                    // the host's "N session(s) migrating, ..." line
    std::string steps;      // the host's own timeline: "serving X ms after it landed: queued .., copy+hash .., ..."
    std::string migration;  // the host's "migration of N session(s) done in X ms (...)"
  };
  // Reads the host's log (exproto-host's "YYYY-MM-DDTHH:MM:SS.mmm LEVEL message" lines, local time).
  Outcome read_outcome(const std::filesystem::path& host_log) const;

 private:
  std::filesystem::path target_;
  std::filesystem::path replacement_;
  std::optional<std::chrono::system_clock::time_point> landed_;
};

}  // namespace exproto::bench
