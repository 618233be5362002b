// Where the build put the programs and codecs these tests run (set by tests/faults/CMakeLists.txt).
#pragma once

#include <filesystem>

namespace faults {

std::filesystem::path devgw_binary();  ///< exproto-devgw
std::filesystem::path host_binary();   ///< exproto-host
std::filesystem::path plugins_dir();   ///< the shipped codecs (line, jsonframe, …)

}  // namespace faults
