#include "signing_key.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace codec_sign {
namespace {

struct CloseFile {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct FreeMdCtx {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::expected<SigningKey, std::string> SigningKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) return std::unexpected("OpenSSL could not make an Ed25519 key");
  return SigningKey(key);
}

std::expected<SigningKey, std::string> SigningKey::read(const std::filesystem::path& file) {
  std::unique_ptr<FILE, CloseFile> f(std::fopen(file.c_str(), "rb"));
  if (!f) return std::unexpected("cannot read " + file.string() + ": " + std::strerror(errno));
  EVP_PKEY* key = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return std::unexpected(file.string() + ": not an Ed25519 private key");
  }
  return SigningKey(key);
}

std::expected<void, std::string> SigningKey::write(const std::filesystem::path& file) const {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + file.string() + ": " + std::strerror(errno));
  std::unique_ptr<FILE, CloseFile> f(::fdopen(fd, "wb"));
  if (!f) {
    ::close(fd);
    return std::unexpected("cannot write " + file.string() + ": " + std::strerror(errno));
  }
  if (PEM_write_PrivateKey(f.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 || std::fflush(f.get()) != 0) {
    return std::unexpected("cannot write " + file.string());
  }
  return {};
}

exproto::host::Ed25519PublicKey SigningKey::public_key() const {
  exproto::host::Ed25519PublicKey out{};
  std::size_t len = out.size();
  EVP_PKEY_get_raw_public_key(key_.get(), out.data(), &len);
  return out;
}

std::vector<uint8_t> SigningKey::sign(const std::string& text) const {
  std::vector<uint8_t> sig(64);
  std::size_t len = sig.size();
  std::unique_ptr<EVP_MD_CTX, FreeMdCtx> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1) {
    return {};
  }
  sig.resize(len);
  return sig;
}

}  // namespace codec_sign
