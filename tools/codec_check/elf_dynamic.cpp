#include "elf_dynamic.h"

#include <elf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>

namespace codec_check {
namespace {

// A bounds-checked view of the file: every read names what it was after, so a corrupt file
// yields a precise error instead of reading past the buffer.
class Image {
 public:
  explicit Image(std::vector<char> bytes) : bytes_(std::move(bytes)) {}

  template <class T>
  std::optional<T> read(std::uint64_t offset) const {
    if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, bytes_.data() + offset, sizeof(T));
    return value;
  }

  // A NUL-terminated string at `offset` inside the table [table, table + size).
  std::optional<std::string> string_at(std::uint64_t table, std::uint64_t size, std::uint64_t offset) const {
    if (table > bytes_.size() || size > bytes_.size() - table || offset >= size) return std::nullopt;
    const char* begin = bytes_.data() + table + offset;
    const std::size_t len = ::strnlen(begin, size - offset);
    if (len == size - offset) return std::nullopt;  // not terminated inside its table
    return std::string(begin, len);
  }

  std::size_t size() const { return bytes_.size(); }

 private:
  std::vector<char> bytes_;
};

std::unexpected<std::string> corrupt(const std::string& what) {
  return std::unexpected("truncated or corrupt ELF (" + what + ")");
}

struct Sections {
  std::optional<Elf64_Shdr> dynsym;
  std::optional<Elf64_Shdr> dynamic;
};

std::expected<Elf64_Shdr, std::string> section(const Image& image, const Elf64_Ehdr& eh, std::uint32_t index) {
  if (index >= eh.e_shnum) return corrupt("section index " + std::to_string(index));
  auto sh = image.read<Elf64_Shdr>(eh.e_shoff + std::uint64_t{index} * eh.e_shentsize);
  if (!sh) return corrupt("section header " + std::to_string(index));
  return *sh;
}

std::expected<void, std::string> read_symbols(const Image& image, const Elf64_Ehdr& eh, const Elf64_Shdr& dynsym,
                                              ElfDynamic& out) {
  auto strtab = section(image, eh, dynsym.sh_link);
  if (!strtab) return std::unexpected(strtab.error());
  if (dynsym.sh_entsize != sizeof(Elf64_Sym)) return corrupt("dynsym entry size");
  const std::uint64_t count = dynsym.sh_size / sizeof(Elf64_Sym);
  for (std::uint64_t i = 1; i < count; ++i) {  // entry 0 is the reserved null symbol
    auto sym = image.read<Elf64_Sym>(dynsym.sh_offset + i * sizeof(Elf64_Sym));
    if (!sym) return corrupt("dynsym entry " + std::to_string(i));
    const unsigned bind = ELF64_ST_BIND(sym->st_info);
    const unsigned type = ELF64_ST_TYPE(sym->st_info);
    const unsigned vis = ELF64_ST_VISIBILITY(sym->st_other);
    const bool global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
    const bool visible = vis == STV_DEFAULT || vis == STV_PROTECTED;
    if (sym->st_shndx == SHN_UNDEF || !global || !visible || type == STT_SECTION || type == STT_FILE) continue;
    auto name = image.string_at(strtab->sh_offset, strtab->sh_size, sym->st_name);
    if (!name) return corrupt("symbol name " + std::to_string(i));
    if (name->empty()) continue;
    out.exported.push_back(*name);
    if (bind == STB_GNU_UNIQUE) out.gnu_unique.push_back(*name);
  }
  std::ranges::sort(out.exported);
  std::ranges::sort(out.gnu_unique);
  return {};
}

std::expected<void, std::string> read_dynamic(const Image& image, const Elf64_Ehdr& eh, const Elf64_Shdr& dynamic,
                                              ElfDynamic& out) {
  auto strtab = section(image, eh, dynamic.sh_link);
  if (!strtab) return std::unexpected(strtab.error());
  const std::uint64_t count = dynamic.sh_size / sizeof(Elf64_Dyn);
  for (std::uint64_t i = 0; i < count; ++i) {
    auto dyn = image.read<Elf64_Dyn>(dynamic.sh_offset + i * sizeof(Elf64_Dyn));
    if (!dyn) return corrupt("dynamic entry " + std::to_string(i));
    if (dyn->d_tag == DT_NULL) break;
    if (dyn->d_tag == DT_FLAGS && (dyn->d_un.d_val & DF_STATIC_TLS) != 0) out.static_tls = true;
    if (dyn->d_tag == DT_NEEDED) {
      auto name = image.string_at(strtab->sh_offset, strtab->sh_size, dyn->d_un.d_val);
      if (!name) return corrupt("DT_NEEDED name");
      out.needed.push_back(*name);
    }
  }
  return {};
}

}  // namespace

std::expected<ElfDynamic, std::string> read_elf_dynamic(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + file.string() + ": " + std::strerror(errno));
  Image image(std::vector<char>(std::istreambuf_iterator<char>(in), {}));

  auto eh = image.read<Elf64_Ehdr>(0);
  if (image.size() < EI_NIDENT || std::memcmp(image.read<std::array<char, 4>>(0)->data(), ELFMAG, SELFMAG) != 0) {
    return std::unexpected("not an ELF file");
  }
  auto ident = image.read<std::array<unsigned char, EI_NIDENT>>(0);
  if ((*ident)[EI_CLASS] != ELFCLASS64) return std::unexpected("32-bit ELF is not supported");
  if ((*ident)[EI_DATA] != ELFDATA2LSB) return std::unexpected("big-endian ELF is not supported");
  if (!eh) return corrupt("file header");
  if (eh->e_shentsize != sizeof(Elf64_Shdr)) return corrupt("section header size");

  Sections found;
  for (std::uint32_t i = 0; i < eh->e_shnum; ++i) {
    auto sh = section(image, *eh, i);
    if (!sh) return std::unexpected(sh.error());
    if (sh->sh_type == SHT_DYNSYM) found.dynsym = *sh;
    if (sh->sh_type == SHT_DYNAMIC) found.dynamic = *sh;
  }
  if (!found.dynsym) return std::unexpected("no dynamic symbol table (not a shared library)");

  ElfDynamic out;
  if (auto r = read_symbols(image, *eh, *found.dynsym, out); !r) return std::unexpected(r.error());
  if (found.dynamic) {
    if (auto r = read_dynamic(image, *eh, *found.dynamic, out); !r) return std::unexpected(r.error());
  }
  return out;
}

}  // namespace codec_check
