// The client certificate's names in EMQX's spelling (esockd_ssl), from real certificates.
#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <memory>

#include "host/listener/peer_cert.h"
#include "test_certs.h"

namespace ltest {

namespace {
exproto::host::PeerCertNames names_of(const std::filesystem::path& pem) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(pem.c_str(), "r"), &std::fclose);
  REQUIRE(f);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free);
  REQUIRE(cert);
  return exproto::host::cert_names(cert.get());
}
}  // namespace

TEST_CASE("peer cert: DN is RFC 4514 as esockd writes it: last RDN first, multi-valued RDNs joined with +") {
  itest::TestPki pki;
  // In a DER SET the shorter encoding sorts first: OU=fleet (12 bytes) before L=Berlin (13).
  const auto pem = make_client_cert(pki, "dev-1", "/C=CN/O=Acme, Inc./OU=fleet+L=Berlin/CN=dev-1");
  const auto n = names_of(pem);
  CHECK(n.cn == "dev-1");
  CHECK(n.dn == "CN=dev-1,OU=fleet+L=Berlin,O=Acme\\, Inc.,C=CN");
}

TEST_CASE("peer cert: values are escaped as esockd escapes them, CN is not") {
  itest::TestPki pki;
  const auto pem = make_client_cert(pki, "odd", "/emailAddress=a@b.c/CN=#dev;\xC3\xA9~/CN=second");
  const auto n = names_of(pem);
  CHECK(n.cn == "#dev;\xC3\xA9~,second");
  CHECK(n.dn == "CN=second,CN=\\#dev\\;\\C3\\A9\\7E,EMAILADDRESS=a@b.c");
  CHECK(names_of(pki.client_cert()).dn == "CN=emqx");
}

}  // namespace ltest
