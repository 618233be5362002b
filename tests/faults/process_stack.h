// The usual pair for fault tests: an exproto-devgw process (EMQX) and an exproto-host process
// wired to each other on fixed loopback ports, with their files in a scratch folder.
#pragma once

#include "devgw_process.h"
#include "host_process.h"
#include "scratch_dir.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace faults {

struct StackSpec {
  /// One gateway TCP listener per entry, routed by the host to that codec.
  std::vector<std::string> codecs{"line"};
  /// Extra exproto-devgw arguments, e.g. {"--adapter-delay-ms", "300"}.
  std::vector<std::string> devgw_args;
  std::string service = "unary";
  /// Changes to the generated host config before the host starts.
  std::function<void(nlohmann::json&)> tweak_host;
};

struct ProcessStack {
  // Declaration order: the processes die (SIGKILL) before their folder is removed.
  ScratchDir dir;
  std::unique_ptr<DevgwProcess> devgw;
  std::unique_ptr<HostProcess> host;

  std::uint16_t device_port(std::size_t listener = 0) const { return devgw->listener_port(listener); }
  /// Both logs' ends, for failure messages (INFO(stack.logs()) is evaluated only on failure).
  std::string logs() const;
};

/// Starts the devgw, then the host (admin endpoint on), and waits until both serve.
std::expected<std::unique_ptr<ProcessStack>, std::string> start_stack(StackSpec spec = {});

}  // namespace faults
