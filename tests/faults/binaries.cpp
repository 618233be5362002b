#include "binaries.h"

namespace faults {

std::filesystem::path devgw_binary() { return EXPROTO_DEVGW_BIN; }
std::filesystem::path host_binary() { return EXPROTO_HOST_BIN; }
std::filesystem::path plugins_dir() { return EXPROTO_PLUGINS_DIR; }

}  // namespace faults
