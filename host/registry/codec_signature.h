// Signed codec files: a vendor signs a codec with an Ed25519 key and ships the detached
// signature beside it ("<codec>.so.sig"); the host checks it against the keys the operator
// trusts (plugins.trusted_keys) before any byte of the codec is mapped.
//
// What is signed is not the file itself but a short text naming its SHA-256,
//   "exproto-codec-signature 1\nsha256 <64 hex digits>\n",
// because the loader already hashes the file in its one pass over it: verifying then costs one
// Ed25519 check (~0.1 ms) instead of a second read of a file that may be tens of MB. The .sig file
// is that text followed by "signature <base64 of the 64-byte signature>\n", so an operator can
// read which bytes it is for.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace exproto::host {

using Ed25519PublicKey = std::array<uint8_t, 32>;

struct TrustedKey {
  std::string name;  // the operator's name for the signer, shown in status
  Ed25519PublicKey key{};
};

struct CodecSignature {
  std::string sha256;  // hex, of the bytes the signature is for
  std::vector<uint8_t> signature;
};

// "<base64 of 32 bytes>" -> key. Error: "expected the base64 of a 32-byte Ed25519 public key".
std::expected<Ed25519PublicKey, std::string> parse_public_key(std::string_view base64);
std::string format_public_key(const Ed25519PublicKey& key);

// The text the signature covers, for a file of this SHA-256 (hex).
std::string signed_text(std::string_view sha256_hex);

// Errors name the line: "line 2: expected \"sha256 <64 hex digits>\"".
std::expected<CodecSignature, std::string> parse_signature_file(std::string_view text);
std::string format_signature_file(const CodecSignature& sig);

// The name of the trusted key whose signature this is, for a file hashing to `sha256_hex`.
// Errors: "the signature is for other bytes (sha256 <hex>)", "no trusted key made this signature".
std::expected<std::string, std::string> verify_codec_signature(const CodecSignature& sig, std::string_view sha256_hex,
                                                               const std::vector<TrustedKey>& keys);

}  // namespace exproto::host
