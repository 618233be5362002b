#include "host/registry/private_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "host/registry/safe_open.h"
#include "host/registry/sha256.h"

namespace exproto::host {
namespace {

std::string why() { return std::strerror(errno); }

bool write_all(int fd, const std::byte* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::expected<PrivateCopy, std::string> PrivateCopy::make(const std::filesystem::path& file,
                                                          const std::filesystem::path& work_dir,
                                                          const LoadPolicy& policy) {
  const auto started = std::chrono::steady_clock::now();
  const uint64_t max_bytes = policy.max_file_bytes;
  auto opened = open_trusted(file, max_bytes, policy.owner_and_mode);
  if (!opened) return std::unexpected(opened.error().message);
  const UniqueFd& in = opened->fd;

  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  if (ec) return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + ec.message());

  // mkstemps picks the unique part and creates the file exclusively (mode 0600), so two hosts
  // sharing a work dir, or two loads in one host, never collide; the pid tells whose leftovers
  // they are.
  std::string name = (work_dir / file.stem()).string() + "." + std::to_string(::getpid()) + ".XXXXXX.so";
  std::vector<char> templ(name.begin(), name.end());
  templ.push_back('\0');
  UniqueFd out(::mkostemps(templ.data(), 3, O_CLOEXEC));
  if (!out) return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + why());
  PrivateCopy copy{std::filesystem::path(templ.data())};  // from here on, failure removes it

  Sha256 hash;
  std::vector<std::byte> buffer(1 << 20);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected("cannot read " + file.string() + ": " + why());
    if (n == 0) break;
    const auto len = static_cast<std::size_t>(n);
    total += len;
    // The file may grow while it is read (someone still writing it in place).
    if (total > max_bytes) return std::unexpected(file.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    if (!write_all(out.get(), buffer.data(), len)) {
      return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + why());
    }
    hash.update({buffer.data(), len});
  }
  copy.sha256_ = hash.finish_hex();
  copy.size_ = total;
  copy.fd_ = std::move(out);
  copy.took_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  return copy;
}

PrivateCopy::PrivateCopy(PrivateCopy&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      sha256_(std::move(other.sha256_)),
      size_(other.size_),
      fd_(std::move(other.fd_)),
      took_(other.took_) {}

PrivateCopy::~PrivateCopy() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);  // best effort: a leftover is harmless and names its pid
}

}  // namespace exproto::host
