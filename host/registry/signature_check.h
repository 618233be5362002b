// The signature step of a codec load: finds "<file>.sig", checks it against the policy's trusted
// keys and the SHA-256 of the bytes being loaded, and says who signed them.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "host/registry/load_policy.h"

namespace exproto::host {

struct SignatureVerdict {
  std::string signer;                // the trusted key's name; empty when unsigned or not checked
  std::optional<std::string> text;   // the .sig file as read, to keep beside the archived bytes
};

// Errors: "unsigned: no <file>.sig (plugins.require_signature is on)", "signature <file>.sig:
// <why>" (unreadable, malformed, other bytes, no trusted key made it).
std::expected<SignatureVerdict, std::string> check_signature(const std::filesystem::path& file,
                                                             const std::string& sha256_hex, const LoadPolicy& policy);

}  // namespace exproto::host
