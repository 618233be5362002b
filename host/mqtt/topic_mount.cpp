#include "host/mqtt/topic_mount.h"

namespace exproto::host::mqtt {

std::string render_mountpoint(std::string_view mountpoint, std::string_view clientid, std::string_view username) {
  std::string out;
  out.reserve(mountpoint.size());
  for (std::size_t i = 0; i < mountpoint.size();) {
    const std::string_view rest = mountpoint.substr(i);
    if (rest.starts_with("${clientid}")) { out += clientid; i += 11; continue; }
    if (rest.starts_with("${username}")) { out += username; i += 11; continue; }
    if (rest.starts_with("%c")) { out += clientid; i += 2; continue; }
    if (rest.starts_with("%u")) { out += username; i += 2; continue; }
    out.push_back(mountpoint[i++]);
  }
  return out;
}

std::string mount(std::string_view mountpoint, std::string_view topic) {
  if (mountpoint.empty()) return std::string(topic);
  if (topic.starts_with("$share/")) {
    const auto slash = topic.find('/', 7);
    if (slash != std::string_view::npos) {
      return std::string(topic.substr(0, slash + 1)) + std::string(mountpoint) + std::string(topic.substr(slash + 1));
    }
  }
  if (topic.starts_with("$queue/")) return "$queue/" + std::string(mountpoint) + std::string(topic.substr(7));
  return std::string(mountpoint) + std::string(topic);
}

std::string unmount(std::string_view mountpoint, std::string_view topic) {
  if (!mountpoint.empty() && topic.starts_with(mountpoint)) return std::string(topic.substr(mountpoint.size()));
  return std::string(topic);
}

}  // namespace exproto::host::mqtt
