// Checks of the TLS files named in the config, done when the config is read so that a wrong path,
// a truncated PEM or a key of another certificate fails at start-up (and under --check) with the
// key named, instead of at EMQX's first connection as an opaque handshake error.
#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace exproto::host {

// A TLS file is small; anything past this is not one (and would only cost memory).
inline constexpr std::size_t kMaxTextFileBytes = 1024 * 1024;

// The whole file. Symbolic links are followed (certificates under /etc/ssl often are links), but
// what they lead to must be a regular file of at most kMaxTextFileBytes: a FIFO, /dev/zero or a
// directory is refused at once instead of hanging or filling memory. Errors, phrased to follow
// "<key path>: ": "cannot read \"<path>\": <OS error>", "\"<path>\" is not a regular file (a FIFO)",
// "\"<path>\" is larger than 1 MiB (a TLS file is a few KiB)".
std::expected<std::string, std::string> read_text_file(const std::filesystem::path& file);

// Problems are phrased to follow "<key path>: "; an empty string means the content is good.
// One or more PEM certificates; when `identity` is set the first one must not have expired.
std::string check_pem_certificates(std::string_view pem, bool identity);
// One unencrypted PEM private key (gRPC has no passphrase callback).
std::string check_pem_private_key(std::string_view pem);
// The key is the one of the first certificate of the chain.
std::string check_key_matches_certificate(std::string_view cert_pem, std::string_view key_pem);

}  // namespace exproto::host
