#include "host/config/pem_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

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
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read \"" + file.string() + "\": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  // A directory opens fine on Linux and fails on the first read.
  if (in.bad() || std::filesystem::is_directory(file)) {
    return std::unexpected("cannot read \"" + file.string() + "\": " + std::strerror(EISDIR));
  }
  return text.str();
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
