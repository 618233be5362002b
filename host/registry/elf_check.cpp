#include "host/registry/elf_check.h"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace exproto::host {
namespace {

// A dynamic segment is a few hundred bytes; one this large is not something dlopen would load.
constexpr uint64_t kMaxDynamicBytes = 1 << 20;

// `len` bytes at `at` lie inside a file of `size` bytes (no overflow).
bool inside(uint64_t size, uint64_t at, uint64_t len) { return at <= size && len <= size - at; }

// Reads exactly `len` bytes at `at`, which must lie inside the file.
bool read_at(int fd, uint64_t size, uint64_t at, void* out, std::size_t len) {
  if (!inside(size, at, len)) return false;
  auto* p = static_cast<char*>(out);
  while (len > 0) {
    const ssize_t n = ::pread(fd, p, len, static_cast<off_t>(at));
    if (n <= 0) return false;
    p += n;
    at += static_cast<uint64_t>(n);
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::expected<void, std::string> check_elf_reloadable(int fd, uint64_t size) {
  Elf64_Ehdr eh;
  if (!read_at(fd, size, 0, &eh, sizeof eh)) return {};
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return {};
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return {};
  // e_phnum is 16 bits, so the table is at most 3.5 MiB; read_at bounds it by the file size.
  // Bounds first, allocation second: a small file cannot make the check allocate megabytes.
  if (!inside(size, eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr))) return {};
  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  if (!read_at(fd, size, eh.e_phoff, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr))) return {};
  for (const auto& ph : phdrs) {
    if (ph.p_type != PT_DYNAMIC) continue;
    const uint64_t bytes = std::min<uint64_t>(ph.p_filesz, kMaxDynamicBytes) / sizeof(Elf64_Dyn) * sizeof(Elf64_Dyn);
    if (!inside(size, ph.p_offset, bytes)) return {};
    std::vector<Elf64_Dyn> dyns(bytes / sizeof(Elf64_Dyn));
    if (!read_at(fd, size, ph.p_offset, dyns.data(), bytes)) return {};
    for (const auto& dyn : dyns) {
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_STATIC_TLS) != 0) {
        return std::unexpected("uses static TLS (DF_STATIC_TLS); build it with -ftls-model=global-dynamic so it can be reloaded");
      }
    }
  }
  return {};
}

}  // namespace exproto::host
