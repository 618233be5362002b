// Makes the codec instance a route asks for: in this process (CodecInstance::create), or in a
// supervised child when the route says "isolation": "process". Used at start-up, on reloads and
// on route changes alike, so an isolated route stays isolated through all of them.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "host/config/config.h"
#include "host/registry/codec_instance.h"

namespace exproto::host {

class IsolationHub;

std::expected<std::shared_ptr<CodecInstance>, std::string> create_route_instance(
    const std::shared_ptr<const CodecLibrary>& library, const Route& route, IsolationHub& hub);

}  // namespace exproto::host
