// Whether a library file is still mapped into this process, read from /proc/self/maps. Used to
// verify that a retired codec generation really left the process: dlclose may silently keep an
// image (STB_GNU_UNIQUE, thread-local destructors), see plugin-abi-anchors §4.7.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace exproto::host {

// True when some mapping of this process names `file`. Error: "cannot read /proc/self/maps: <why>".
std::expected<bool, std::string> is_mapped(const std::filesystem::path& file);

}  // namespace exproto::host
