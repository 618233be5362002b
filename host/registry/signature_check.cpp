#include "host/registry/signature_check.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/registry/codec_signature.h"
#include "host/registry/safe_open.h"

namespace exproto::host {
namespace {

constexpr uint64_t kMaxSignatureBytes = 4096;  // the format is about 200 bytes

}  // namespace

std::expected<SignatureVerdict, std::string> check_signature(const std::filesystem::path& file,
                                                             const std::string& sha256_hex, const LoadPolicy& policy) {
  std::filesystem::path sig_path = file;
  sig_path += ".sig";
  const std::string where = "signature " + sig_path.string() + ": ";
  auto opened = open_trusted(sig_path, kMaxSignatureBytes, policy.owner_and_mode);
  if (!opened) {
    if (!opened.error().absent) return std::unexpected(where + opened.error().message);
    if (policy.require_signature) {
      return std::unexpected("unsigned: no " + sig_path.string() + " (plugins.require_signature is on)");
    }
    return SignatureVerdict{};
  }
  std::string text(kMaxSignatureBytes + 1, '\0');
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(opened->fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(where + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got > kMaxSignatureBytes) return std::unexpected(where + "larger than " + std::to_string(kMaxSignatureBytes) + " bytes");
  }
  text.resize(got);
  auto sig = parse_signature_file(text);
  if (!sig) return std::unexpected(where + sig.error());
  if (policy.trusted_keys.empty()) return SignatureVerdict{{}, std::move(text)};  // nothing to check it with
  auto signer = verify_codec_signature(*sig, sha256_hex, policy.trusted_keys);
  if (!signer) return std::unexpected(where + signer.error());
  return SignatureVerdict{std::move(*signer), std::move(text)};
}

}  // namespace exproto::host
