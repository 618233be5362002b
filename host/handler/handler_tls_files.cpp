#include "host/handler/handler_tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "host/config/pem_files.h"

namespace exproto::host {

std::string check_handler_tls_files(const HandlerTls& tls) {
  auto cert = read_text_file(tls.cert_file);
  if (!cert) return "handler.tls.cert_file: " + cert.error();
  auto key = read_text_file(tls.key_file);
  if (!key) return "handler.tls.key_file: " + key.error();
  if (auto p = check_pem_certificates(*cert, true); !p.empty()) return "handler.tls.cert_file: " + p;
  if (auto p = check_pem_private_key(*key); !p.empty()) return "handler.tls.key_file: " + p;
  if (auto p = check_key_matches_certificate(*cert, *key); !p.empty()) return "handler.tls.key_file: " + p;
  if (tls.client_ca_file.empty()) return {};
  auto ca = read_text_file(tls.client_ca_file);
  if (!ca) return "handler.tls.client_ca_file: " + ca.error();
  if (auto p = check_pem_certificates(*ca, false); !p.empty()) return "handler.tls.client_ca_file: " + p;
  return {};
}

std::optional<std::chrono::system_clock::time_point> first_certificate_not_after(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  std::optional<std::chrono::system_clock::time_point> result;
  // ASN1_TIME_diff against the epoch gives the time without timegm() and time-zone pitfalls.
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> epoch(ASN1_TIME_set(nullptr, 0), &ASN1_TIME_free);
  int days = 0;
  int seconds = 0;
  if (cert && epoch && ASN1_TIME_diff(&days, &seconds, epoch.get(), X509_get0_notAfter(cert.get())) == 1) {
    result = std::chrono::system_clock::time_point(std::chrono::seconds(int64_t{days} * 86400 + seconds));
  }
  // Leave OpenSSL's thread-local error queue empty, as pem_files does, so gRPC never reports ours.
  ERR_clear_error();
  return result;
}

}  // namespace exproto::host
