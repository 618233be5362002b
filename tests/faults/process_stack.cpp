#include "process_stack.h"

#include "ports.h"

namespace faults {

std::string ProcessStack::logs() const {
  return "--- exproto-devgw log ---\n" + (devgw ? devgw->log_tail() : std::string("(none)\n")) +
         "--- exproto-host log ---\n" + (host ? host->log_tail() : std::string("(none)\n"));
}

std::expected<std::unique_ptr<ProcessStack>, std::string> start_stack(StackSpec spec) {
  auto stack = std::make_unique<ProcessStack>();
  DevgwSpec devgw{.handler_port = free_port(), .tcp_ports = std::vector<std::uint16_t>(spec.codecs.size(), 0),
                  .service = spec.service, .extra_args = spec.devgw_args};
  const auto handler_port = devgw.handler_port;
  auto gw = DevgwProcess::start(std::move(devgw), stack->dir.path());
  if (!gw) return std::unexpected(gw.error());
  stack->devgw = std::move(*gw);

  std::vector<HostRoute> routes;
  for (std::size_t i = 0; i < spec.codecs.size(); ++i)
    routes.push_back({.port = stack->devgw->listener_port(i), .codec = spec.codecs[i]});
  auto config = host_config(handler_port, stack->devgw->adapter_address(), free_port(), routes);
  if (spec.tweak_host) spec.tweak_host(config);
  auto host = HostProcess::start(std::move(config), stack->dir.path());
  if (!host) return std::unexpected(host.error());
  stack->host = std::move(*host);
  return stack;
}

}  // namespace faults
