#include "host/app/mode_gate.h"

namespace exproto::host {

std::string unserved_mode(const Config& config) {
  if (config.mode != Mode::native) return {};
  return "native mode is not implemented yet: the device listeners (routes[].listener.bind) and the MQTT "
         "upstream (mqtt.server) do not exist in this build; see docs/native-mode.md, or use \"mode\": \"exproto\"";
}

}  // namespace exproto::host
