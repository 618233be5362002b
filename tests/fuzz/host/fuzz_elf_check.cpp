// check_elf_reloadable on arbitrary files. It reads through a descriptor, so the input is written
// into a memfd (created once: a file per input would measure the kernel). ASan watches the
// vectors it sizes from header fields; the answer must be "passes" or the one static-TLS error.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "host/os/unique_fd.h"
#include "host/registry/elf_check.h"

using exproto::host::fuzz::require;

namespace {

int memfd() {
  static const exproto::host::UniqueFd fd(::memfd_create("host_fuzz_elf_check", MFD_CLOEXEC));
  require(fd.get() >= 0, "memfd_create failed");
  return fd.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const int fd = memfd();
  require(::ftruncate(fd, 0) == 0, "ftruncate failed");
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    require(n > 0, "pwrite failed");
    done += static_cast<std::size_t>(n);
  }
  const auto result = exproto::host::check_elf_reloadable(fd, size);
  if (!result) require(result.error().starts_with("uses static TLS (DF_STATIC_TLS)"), "unexpected ELF error:", result.error());
  return 0;
}
