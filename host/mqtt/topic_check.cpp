#include "host/mqtt/topic_check.h"

#include "host/mqtt/utf8.h"

namespace exproto::host::mqtt {

bool valid_topic_name(std::string_view topic) {
  return !topic.empty() && topic.size() <= 0xFFFF && topic.find_first_of("+#") == std::string_view::npos &&
         is_mqtt_utf8(topic);
}

bool valid_topic_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > 0xFFFF || !is_mqtt_utf8(filter)) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = filter.find('/', start);
    const std::string_view level = filter.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (level.find_first_of("+#") != std::string_view::npos) {
      if (level.size() != 1) return false;
      if (level == "#" && slash != std::string_view::npos) return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace exproto::host::mqtt
