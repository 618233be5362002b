#include "fleet.h"

namespace mqtt_scale {

std::string source_address(int index) { return "127.0.0." + std::to_string(1 + index / 20000); }

std::string client_id(int index) { return "scale-" + std::to_string(index); }

}  // namespace mqtt_scale
