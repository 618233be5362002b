// Devices speaking jsonframe, the ExProto demo protocol: CONNECT answered by CONNACK, then
// PUBLISH frames answered by PUBACK.
#pragma once

#include <cstddef>
#include <memory>

#include "device_protocol.h"

namespace exproto::bench {

std::unique_ptr<DeviceProtocol> make_jsonframe_devices(std::size_t payload_bytes);

}  // namespace exproto::bench
