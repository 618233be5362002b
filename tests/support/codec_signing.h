// Tests' vendor: an Ed25519 key made with OpenSSL, and "<codec>.so.sig" files in the format the
// host checks (host/registry/codec_signature.h). Header-only; link OpenSSL::Crypto.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/registry/codec_signature.h"
#include "host/registry/sha256.h"

namespace exproto::test {

class TestSigningKey {
 public:
  TestSigningKey() : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")) {
    if (!key_) throw std::runtime_error("no Ed25519 key");
  }
  host::TrustedKey trusted(const std::string& name) const {
    host::TrustedKey k{name, {}};
    std::size_t len = k.key.size();
    EVP_PKEY_get_raw_public_key(key_.get(), k.key.data(), &len);
    return k;
  }
  std::string public_base64() const { return host::format_public_key(trusted("").key); }

  // Writes "<file>.sig" for the bytes `file` has now (or, given, for other bytes' SHA-256).
  void sign(const std::filesystem::path& file, std::string sha256 = {}) const {
    if (sha256.empty()) sha256 = file_sha256(file);
    const std::string text = host::signed_text(sha256);
    std::vector<uint8_t> sig(64);
    std::size_t len = sig.size();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get());
    EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    // Renamed into place: a watching host sees it complete.
    std::filesystem::path temp = file;
    temp += ".sig.partial";
    std::ofstream(temp, std::ios::binary | std::ios::trunc) << host::format_signature_file({sha256, sig});
    std::filesystem::path out = file;
    out += ".sig";
    std::filesystem::rename(temp, out);
  }

  static std::string file_sha256(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    host::Sha256 h;
    h.update({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()});
    return h.finish_hex();
  }

 private:
  struct FreeKey {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  std::unique_ptr<EVP_PKEY, FreeKey> key_;

 public:
  TestSigningKey(const TestSigningKey&) = delete;
  TestSigningKey& operator=(const TestSigningKey&) = delete;
};

}  // namespace exproto::test
