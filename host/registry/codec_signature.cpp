#include "host/registry/codec_signature.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace exproto::host {
namespace {

constexpr std::string_view kHeader = "exproto-codec-signature 1\n";

struct FreePkey {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct FreeMdCtx {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string base64(const uint8_t* data, std::size_t len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Exactly `want` bytes, or nothing. EVP_DecodeBlock counts '=' padding as zero bytes, hence the
// length check against the unpadded size.
std::expected<std::vector<uint8_t>, bool> unbase64(std::string_view text, std::size_t want) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4 * ((want + 2) / 3)) return std::unexpected(false);
  std::vector<uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  if (n < 0 || static_cast<std::size_t>(n) - padding != want) return std::unexpected(false);
  out.resize(want);
  return out;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool verify_one(const Ed25519PublicKey& key, std::string_view text, const std::vector<uint8_t>& sig) {
  std::unique_ptr<EVP_PKEY, FreePkey> pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  std::unique_ptr<EVP_MD_CTX, FreeMdCtx> ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(text.data()),
                          text.size()) == 1;
}

}  // namespace

std::expected<Ed25519PublicKey, std::string> parse_public_key(std::string_view text) {
  auto raw = unbase64(text, 32);
  if (!raw) return std::unexpected("expected the base64 of a 32-byte Ed25519 public key");
  Ed25519PublicKey key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  return key;
}

std::string format_public_key(const Ed25519PublicKey& key) { return base64(key.data(), key.size()); }

std::string signed_text(std::string_view sha256_hex) {
  return std::string(kHeader) + "sha256 " + std::string(sha256_hex) + "\n";
}

std::expected<CodecSignature, std::string> parse_signature_file(std::string_view text) {
  if (!text.starts_with(kHeader)) return std::unexpected("line 1: expected \"exproto-codec-signature 1\"");
  text.remove_prefix(kHeader.size());
  const auto line = [&text]() {
    const auto end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return l;
  };
  CodecSignature sig;
  const std::string_view hash = line();
  if (!hash.starts_with("sha256 ") || !is_hex64(hash.substr(7))) {
    return std::unexpected("line 2: expected \"sha256 <64 lower-case hex digits>\"");
  }
  sig.sha256 = std::string(hash.substr(7));
  const std::string_view signature = line();
  std::expected<std::vector<uint8_t>, bool> raw = std::unexpected(false);
  if (signature.starts_with("signature ")) raw = unbase64(signature.substr(10), 64);
  if (!raw) return std::unexpected("line 3: expected \"signature <base64 of 64 bytes>\"");
  sig.signature = std::move(*raw);
  if (!text.empty()) return std::unexpected("line 4: unexpected text after the signature");
  return sig;
}

std::string format_signature_file(const CodecSignature& sig) {
  return signed_text(sig.sha256) + "signature " + base64(sig.signature.data(), sig.signature.size()) + "\n";
}

std::expected<std::string, std::string> verify_codec_signature(const CodecSignature& sig, std::string_view sha256_hex,
                                                               const std::vector<TrustedKey>& keys) {
  if (sig.sha256 != sha256_hex) return std::unexpected("the signature is for other bytes (sha256 " + sig.sha256 + ")");
  const std::string text = signed_text(sha256_hex);
  for (const auto& k : keys) {
    if (verify_one(k.key, text, sig.signature)) return k.name;
  }
  return std::unexpected("no trusted key made this signature");
}

}  // namespace exproto::host
