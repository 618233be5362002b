#include "test_certs.h"

#include <doctest/doctest.h>

#include <cstdlib>

namespace ltest {

namespace {
void openssl(const itest::TestPki& pki, const std::string& args) {
  const auto log = pki.dir() / "listener-openssl.log";
  const std::string cmd = "cd '" + pki.dir().string() + "' && openssl " + args + " >'" + log.string() + "' 2>&1";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "openssl " << args << " failed: " << itest::read_file(log));
}
}  // namespace

std::filesystem::path make_client_cert(const itest::TestPki& pki, const std::string& name, const std::string& subject) {
  openssl(pki, "req -new -config openssl.cnf -utf8 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
                   name + ".key -out " + name + ".csr -subj '" + subject + "'");
  openssl(pki, "x509 -req -in " + name + ".csr -CA ca-a.pem -CAkey ca-a.key -set_serial 0x" +
                   std::to_string(std::hash<std::string>{}(name) % 1000000 + 1000) +
                   " -days 2 -extfile openssl.cnf -extensions client_ext -out " + name + ".pem");
  return pki.dir() / (name + ".pem");
}

}  // namespace ltest
