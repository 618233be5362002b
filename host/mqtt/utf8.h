// Well-formed UTF-8 as MQTT requires it for every string (MQTT 5 §1.5.4, 3.1.1 §1.5.3): no
// overlong forms, no surrogates, nothing above U+10FFFF, and no U+0000.
#pragma once

#include <string_view>

namespace exproto::host::mqtt {

bool is_mqtt_utf8(std::string_view s);

}  // namespace exproto::host::mqtt
