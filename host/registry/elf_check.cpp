#include "host/registry/elf_check.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace exproto::host {

std::expected<void, std::string> check_elf_reloadable(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  Elf64_Ehdr eh;
  if (bytes.size() < sizeof eh) return {};
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return {};
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return {};
  for (std::size_t i = 0; i < eh.e_phnum; ++i) {
    const std::size_t at = eh.e_phoff + i * sizeof(Elf64_Phdr);
    if (at + sizeof(Elf64_Phdr) > bytes.size()) return {};
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + at, sizeof ph);
    if (ph.p_type != PT_DYNAMIC) continue;
    for (std::size_t off = ph.p_offset; off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz &&
                                        off + sizeof(Elf64_Dyn) <= bytes.size();
         off += sizeof(Elf64_Dyn)) {
      Elf64_Dyn dyn;
      std::memcpy(&dyn, bytes.data() + off, sizeof dyn);
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_STATIC_TLS) != 0) {
        return std::unexpected("uses static TLS (DF_STATIC_TLS); build it with -ftls-model=global-dynamic so it can be reloaded");
      }
    }
  }
  return {};
}

}  // namespace exproto::host
