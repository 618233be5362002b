#include "host/isolation/route_instance.h"

#include "host/isolation/isolated_codec.h"
#include "host/isolation/isolation_hub.h"

namespace exproto::host {

std::expected<std::shared_ptr<CodecInstance>, std::string> create_route_instance(
    const std::shared_ptr<const CodecLibrary>& library, const Route& route, IsolationHub& hub) {
  if (route.isolation == Isolation::in_process) return CodecInstance::create(library, hub.api(), route.config_json);
  const std::string label = route_label(route.listener);
  auto runner = IsolatedCodec::start(library, route.config_json, label, hub);
  if (!runner) return std::unexpected(runner.error());
  auto instance = CodecInstance::with_runner(library, *runner);
  (*runner)->bind(instance.get());
  return instance;
}

}  // namespace exproto::host
