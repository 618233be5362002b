// Topic names and filters checked before they reach the broker: a broker answers an invalid
// topic in PUBLISH or SUBSCRIBE by dropping the whole connection (MQTT 5 §4.7, 3.1.1 §4.7), so
// one bad call from a codec would cost the device its MQTT session.
#pragma once

#include <string_view>

namespace exproto::host::mqtt {

// Non-empty, at most 65 535 bytes, well-formed UTF-8, no '+' or '#'.
bool valid_topic_name(std::string_view topic);
// Non-empty, at most 65 535 bytes, well-formed UTF-8; '+' fills a whole level, '#' is a whole
// last level.
bool valid_topic_filter(std::string_view filter);

}  // namespace exproto::host::mqtt
