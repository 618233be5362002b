#include "test_pki.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace itest {
namespace {

// Our own openssl config: the system's openssl.cnf differs between distributions, and its
// default extensions would clash with the ones a test needs.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";

constexpr const char* kKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TestPki::TestPki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "exproto-pki-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  write("openssl.cnf", kOpensslConfig);
  make_ca("ca-a");
  make_ca("ca-b");
  make_leaf("server-a", "ca-a", "exproto-host a", "server_ext");
  make_leaf("server-b", "ca-b", "exproto-host b", "server_ext");
  make_leaf("client-a", "ca-a", "emqx", "client_ext");
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::filesystem::path TestPki::write(const std::string& name, const std::string& content) const {
  const auto file = dir_ / name;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
  return file;
}

void TestPki::openssl(const std::string& args) const {
  const auto log = dir_ / "openssl.log";
  const std::string cmd = "cd '" + dir_.string() + "' && openssl " + args + " >'" + log.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE_MESSAGE(status == 0, "openssl " << args << " failed: " << read_file(log));
}

void TestPki::make_ca(const std::string& name) const {
  openssl("req -x509 -config openssl.cnf -extensions ca_ext " + std::string(kKey) + " -keyout " + name +
          ".key -out " + name + ".pem -days 2 -subj '/CN=exproto test " + name + "'");
}

std::filesystem::path TestPki::make_server(const std::string& name, int days) const {
  make_leaf(name, "ca-a", "exproto-host " + name, "server_ext", days);
  return dir_ / (name + ".pem");
}

void TestPki::make_leaf(const std::string& name, const std::string& ca, const std::string& cn,
                        const std::string& extensions, int days) const {
  openssl("req -new -config openssl.cnf " + std::string(kKey) + " -keyout " + name + ".key -out " + name +
          ".csr -subj '/CN=" + cn + "'");
  openssl("x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -set_serial 0x" +
          std::to_string(std::hash<std::string>{}(name) % 1000000) + " -days " + std::to_string(days) +
          " -extfile openssl.cnf -extensions " + extensions + " -out " + name + ".pem");
}

}  // namespace itest
