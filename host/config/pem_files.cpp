#include "host/config/pem_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "host/os/file_kind.h"
#include "host/os/unique_fd.h"

namespace exproto::host {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Bio memory_bio(std::string_view pem) { return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// OpenSSL keeps errors in a thread-local queue; take the latest reason and leave the queue empty
// so a later, unrelated TLS call (gRPC's) does not report ours.
std::string openssl_reason() {
  unsigned long last = 0;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) last = e;
  if (last == 0) return "no PEM block found";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// Without a callback OpenSSL would prompt for a passphrase on the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string time_text(const ASN1_TIME* t) {
  Bio out(BIO_new(BIO_s_mem()));
  if (!out || ASN1_TIME_print(out.get(), t) != 1) return "?";
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

std::expected<std::string, std::string> read_text_file(const std::filesystem::path& file) {
  const std::string shown = "\"" + file.string() + "\"";
  const auto os_error = [&](int err) { return std::unexpected("cannot read " + shown + ": " + std::strerror(err)); };
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever (start-up hangs).
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return os_error(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os_error(errno);
  if (!S_ISREG(st.st_mode)) return std::unexpected(shown + " is not a regular file (" + file_kind(st.st_mode) + ")");
  const auto too_large = [&] { return std::unexpected(shown + " is larger than 1 MiB (a TLS file is a few KiB)"); };
  if (static_cast<uint64_t>(st.st_size) > kMaxTextFileBytes) return too_large();
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error(errno);
    if (n == 0) break;
    // The file may grow while it is read.
    if (text.size() + static_cast<std::size_t>(n) > kMaxTextFileBytes) return too_large();
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

std::string check_pem_certificates(std::string_view pem, bool identity) {
  ERR_clear_error();
  Bio bio = memory_bio(pem);
  int count = 0;
  for (;;) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
    if (!cert) break;
    if (count == 0 && identity && X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
      return "the certificate expired on " + time_text(X509_get0_notAfter(cert.get()));
    }
    ++count;
  }
  // The loop ends with "no start line" after the last block; anything else is a damaged block.
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (count > 0 && (err == 0 || clean_end)) {
    ERR_clear_error();
    return {};
  }
  if (count == 0) {
    const std::string reason = openssl_reason();
    return "not a PEM certificate (expected \"-----BEGIN CERTIFICATE-----\"): " + reason;
  }
  return "certificate " + std::to_string(count + 1) + " in the file does not parse: " + openssl_reason();
}

std::string check_pem_private_key(std::string_view pem) {
  ERR_clear_error();
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return "the private key is encrypted; give an unencrypted PEM key (e.g. openssl pkey -in KEY -out PLAIN)";
  }
  Bio bio = memory_bio(pem);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return "not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\" or an RSA/EC key): " + openssl_reason();
  }
  ERR_clear_error();
  return {};
}

std::string check_key_matches_certificate(std::string_view cert_pem, std::string_view key_pem) {
  ERR_clear_error();
  Bio cert_bio = memory_bio(cert_pem);
  Bio key_bio = memory_bio(key_pem);
  Cert cert(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  if (!cert || !key) return "cannot parse the certificate or the key: " + openssl_reason();
  const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return match ? "" : "the private key does not belong to the (first) certificate of cert_file";
}

}  // namespace exproto::host
