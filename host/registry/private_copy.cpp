#include "host/registry/private_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "host/registry/sha256.h"

namespace exproto::host {
namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now so that a failing close (lost write on some filesystems) can be reported.
  bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

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
                                                          const std::filesystem::path& work_dir) {
  Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return std::unexpected("cannot read " + file.string() + ": " + why());

  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  if (ec) return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + ec.message());

  // mkstemps picks the unique part and creates the file exclusively, so two hosts sharing a
  // work dir, or two loads in one host, never collide; the pid tells whose leftovers they are.
  std::string name = (work_dir / file.stem()).string() + "." + std::to_string(::getpid()) + ".XXXXXX.so";
  std::vector<char> templ(name.begin(), name.end());
  templ.push_back('\0');
  Fd out(::mkstemps(templ.data(), 3));
  if (out.get() < 0) return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + why());
  PrivateCopy copy(std::filesystem::path(templ.data()), {});  // from here on, failure removes it

  Sha256 hash;
  std::array<std::byte, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected("cannot read " + file.string() + ": " + why());
    if (n == 0) break;
    const auto len = static_cast<std::size_t>(n);
    if (!write_all(out.get(), buffer.data(), len)) {
      return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + why());
    }
    hash.update({buffer.data(), len});
  }
  if (!out.close()) return std::unexpected("cannot write a copy in " + work_dir.string() + ": " + why());
  copy.sha256_ = hash.finish_hex();
  return copy;
}

PrivateCopy::PrivateCopy(PrivateCopy&& other) noexcept
    : path_(std::exchange(other.path_, {})), sha256_(std::move(other.sha256_)) {}

PrivateCopy::~PrivateCopy() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(path_, ec);  // best effort: a leftover is harmless and names its pid
}

}  // namespace exproto::host
