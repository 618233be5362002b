// Checks on a codec file made before dlopen runs any of its code (plugin-abi-anchors §9.5, §9.10).
#pragma once

#include <cstdint>
#include <expected>
#include <string>

namespace exproto::host {

// Refuses a 64-bit ELF shared object flagged DF_STATIC_TLS (initial-exec TLS): every load of such
// a library takes static TLS space that dlclose never returns, so hot reloads would end in
// "cannot allocate memory in static TLS block". Reads only the ELF header, the program headers
// and the dynamic segment from `fd` (`size` bytes long) with pread, every offset checked against
// the file size without overflow, so a crafted header can neither wrap nor make it read much.
// Anything this check cannot parse passes: dlopen reports it better. Error: "uses static TLS
// (DF_STATIC_TLS); build it with -ftls-model=global-dynamic so it can be reloaded".
std::expected<void, std::string> check_elf_reloadable(int fd, uint64_t size);

}  // namespace exproto::host
