// What a codec library offers the dynamic linker, read straight from its ELF file (no dlopen, so no
// codec code runs): the symbols it exports, GNU_UNIQUE symbols, the libraries it needs and whether
// it demands static TLS. These are the build rules the host cannot check after loading
// (plugin-abi-anchors §8.5): an extra export can interpose another codec's symbol, a GNU_UNIQUE
// symbol makes dlclose a no-op, and static TLS runs out after a few hot reloads.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace codec_check {

struct ElfDynamic {
  std::vector<std::string> exported;        // defined, default/protected visibility, sorted
  std::vector<std::string> gnu_unique;      // STB_GNU_UNIQUE symbols (a subset of exported)
  std::vector<std::string> needed;          // DT_NEEDED, in file order
  bool static_tls = false;                  // DF_STATIC_TLS in DT_FLAGS
};

// Errors: "cannot read <file>: <why>", "not an ELF file", "32-bit ELF is not supported",
// "big-endian ELF is not supported", "truncated or corrupt ELF (<what>)",
// "no dynamic symbol table (not a shared library)".
std::expected<ElfDynamic, std::string> read_elf_dynamic(const std::filesystem::path& file);

}  // namespace codec_check
