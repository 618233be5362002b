// Throwaway certificates for the TLS tests, made with the openssl CLI into a private temp dir that
// goes away with the object, so no private key is ever committed or shared between test runs.
#pragma once

#include <filesystem>
#include <string>

namespace itest {

class TestPki {
 public:
  // Two CAs ("a" and "b"); under CA a: the server certificate (SAN IP:127.0.0.1, DNS:localhost,
  // CN "exproto-host a") and a client certificate (CN "emqx"); under CA b a second server
  // certificate (CN "exproto-host b"), for rotation. EC P-256 keys, so generation stays fast.
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path ca() const { return dir_ / "ca-a.pem"; }
  std::filesystem::path other_ca() const { return dir_ / "ca-b.pem"; }
  std::filesystem::path server_cert() const { return dir_ / "server-a.pem"; }
  std::filesystem::path server_key() const { return dir_ / "server-a.key"; }
  std::filesystem::path other_server_cert() const { return dir_ / "server-b.pem"; }
  std::filesystem::path other_server_key() const { return dir_ / "server-b.key"; }
  std::filesystem::path client_cert() const { return dir_ / "client-a.pem"; }
  std::filesystem::path client_key() const { return dir_ / "client-a.key"; }

  // One more server certificate under CA a, valid for `days` (e.g. 3 to be close to expiry), with
  // its own key "<name>.key" beside it; returns the certificate's path.
  std::filesystem::path make_server(const std::string& name, int days) const;

  // A file in dir() with `content`, for garbage and edited copies.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  void openssl(const std::string& args) const;
  void make_ca(const std::string& name) const;
  void make_leaf(const std::string& name, const std::string& ca, const std::string& cn,
                 const std::string& extensions, int days = 2) const;
  std::filesystem::path dir_;
};

std::string read_file(const std::filesystem::path& file);

}  // namespace itest
