#include "device_protocol.h"

#include "jsonframe_devices.h"
#include "jt808_devices.h"

namespace exproto::bench {

std::unique_ptr<DeviceProtocol> make_device_protocol(std::string_view name, std::size_t payload_bytes) {
  if (name == "jsonframe") return make_jsonframe_devices(payload_bytes);
  if (name == "jt808") return make_jt808_devices();
  return nullptr;
}

}  // namespace exproto::bench
