#include "elf_findings.h"

#include <exproto/codec_abi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "elf_dynamic.h"

namespace codec_check {
namespace {

std::string join(const std::vector<std::string>& names, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max; ++i) out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > max) out += ", ... (" + std::to_string(names.size() - max) + " more)";
  return out.empty() ? "nothing" : out;
}

}  // namespace

void report_elf(const std::filesystem::path& codec, Reporter& out) {
  auto elf = read_elf_dynamic(codec);
  if (!elf) {
    out.fail("elf", elf.error());
    return;
  }
  std::vector<std::string> extra;
  std::ranges::copy_if(elf->exported, std::back_inserter(extra),
                       [](const std::string& s) { return s != EXPROTO_CODEC_ENTRY_SYMBOL; });
  out.line("exports", join(elf->exported, 8));
  if (!extra.empty()) {
    out.fail("exports", "symbols beyond " EXPROTO_CODEC_ENTRY_SYMBOL ": " + join(extra, 8) +
                            " (they can interpose other codecs' symbols; build with exproto_add_codec, whose "
                            "version script exports only the entry)");
  }
  if (!elf->gnu_unique.empty()) {
    out.fail("gnu-unique", "STB_GNU_UNIQUE symbols keep the library loaded after dlclose: " + join(elf->gnu_unique, 8) +
                               " (compile with -fno-gnu-unique)");
  }
  if (elf->static_tls) {
    out.fail("static-tls", "the library needs static TLS (initial-exec thread_local); each reload uses up the "
                           "process's small static TLS reserve");
  }
  out.line("needs", join(elf->needed, 16));
}

}  // namespace codec_check
