// Mountpoints as EMQX applies them (emqx_mountpoint.erl): the rendered prefix is put before
// every topic a device publishes or subscribes to, and taken off the topics delivered to it.
#pragma once

#include <string>
#include <string_view>

namespace exproto::host::mqtt {

// Replaces ${clientid} and ${username} (EMQX 5 placeholders) and %c and %u (EMQX 4's) with the
// device's values (its own clientid, without the host's clientid prefix).
std::string render_mountpoint(std::string_view mountpoint, std::string_view clientid, std::string_view username);

// mountpoint + topic; a shared subscription "$share/group/filter" (and "$queue/filter") keeps its
// prefix and gets the mountpoint on the filter, as EMQX mounts the #share{} record's topic.
std::string mount(std::string_view mountpoint, std::string_view topic);

// Takes the mountpoint off a delivered topic that starts with it; other topics are unchanged.
std::string unmount(std::string_view mountpoint, std::string_view topic);

}  // namespace exproto::host::mqtt
