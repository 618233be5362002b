// An Ed25519 private key on disk (PEM, PKCS#8, mode 0600): made once per vendor, kept offline,
// used to sign each codec release. Only this tool ever holds it; the host knows public keys only.
#pragma once

#include <openssl/evp.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/registry/codec_signature.h"

namespace codec_sign {

class SigningKey {
 public:
  static std::expected<SigningKey, std::string> generate();
  // Error: "cannot read <file>: <why>", "<file>: not an Ed25519 private key".
  static std::expected<SigningKey, std::string> read(const std::filesystem::path& file);
  // Creates `file` (refuses to overwrite one) with mode 0600.
  std::expected<void, std::string> write(const std::filesystem::path& file) const;

  exproto::host::Ed25519PublicKey public_key() const;
  std::vector<uint8_t> sign(const std::string& text) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  explicit SigningKey(EVP_PKEY* key) : key_(key) {}
  std::unique_ptr<EVP_PKEY, Free> key_;
};

}  // namespace codec_sign
