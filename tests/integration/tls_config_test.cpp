// handler.tls / adapter.tls in the config file: every problem is refused when the config is read,
// with the key path, and `exproto-host --check` reports it.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include "host/config/config.h"
#include "test_pki.h"

using namespace itest;
namespace host = exproto::host;

namespace {

std::string quoted(const std::filesystem::path& p) { return "\"" + p.string() + "\""; }

std::string doc_with(const std::string& sections) {
  return "{" + sections + R"(,"routes":[{"listener":{"port":7993,"socktype":"tcp"},"codec":"jsonframe"}]})";
}

std::string handler_tls(const std::string& members) { return doc_with(R"("handler":{"tls":{)" + members + "}}"); }
std::string adapter_tls(const std::string& members) { return doc_with(R"("adapter":{"tls":{)" + members + "}}"); }

std::string error_of(const std::string& text) {
  auto c = host::parse_config(text);
  REQUIRE_FALSE(c.has_value());
  return c.error();
}

}  // namespace

TEST_CASE("tls config: a full handler.tls and adapter.tls are read") {
  TestPki pki;
  const auto c = host::parse_config(doc_with(
      R"("handler":{"tls":{"cert_file":)" + quoted(pki.server_cert()) + R"(,"key_file":)" + quoted(pki.server_key()) +
      R"(,"client_ca_file":)" + quoted(pki.ca()) + R"(,"refresh_s":5}},)" +
      R"("adapter":{"tls":{"ca_file":)" + quoted(pki.ca()) + R"(,"cert_file":)" + quoted(pki.client_cert()) +
      R"(,"key_file":)" + quoted(pki.client_key()) + R"(,"server_name":"emqx.local"}})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  REQUIRE(c->handler.tls.has_value());
  CHECK(c->handler.tls->cert_file == pki.server_cert());
  CHECK(c->handler.tls->key_file == pki.server_key());
  CHECK(c->handler.tls->client_ca_file == pki.ca());
  CHECK(c->handler.tls->refresh_s == 5);
  REQUIRE(c->adapter.tls.has_value());
  CHECK(c->adapter.tls->ca_file == pki.ca());
  CHECK(c->adapter.tls->cert_file == pki.client_cert());
  CHECK(c->adapter.tls->key_file == pki.client_key());
  CHECK(c->adapter.tls->server_name == "emqx.local");

  const auto minimal = host::parse_config(handler_tls(R"("cert_file":)" + quoted(pki.server_cert()) +
                                                      R"(,"key_file":)" + quoted(pki.server_key())));
  REQUIRE_MESSAGE(minimal.has_value(), (minimal ? "" : minimal.error()));
  CHECK(minimal->handler.tls->client_ca_file.empty());
  CHECK(minimal->handler.tls->refresh_s == 60);
  CHECK_FALSE(minimal->adapter.tls.has_value());
  CHECK_FALSE(host::parse_config(doc_with(R"("handler":{})")).value().handler.tls.has_value());
}

TEST_CASE("tls config: every problem names the key path") {
  TestPki pki;
  const auto cert = quoted(pki.server_cert());
  const auto key = quoted(pki.server_key());
  const auto missing = pki.dir() / "missing.pem";
  const auto garbage = pki.write("garbage.pem", "this is not a certificate\n");
  const auto truncated = pki.write("truncated.pem", read_file(pki.server_cert()).substr(0, 200));
  const auto garbage_key = pki.write("garbage.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

  // Missing and unreadable files: the OS error.
  CHECK(error_of(handler_tls(R"("cert_file":)" + quoted(missing) + R"(,"key_file":)" + key)) ==
        "handler.tls.cert_file: cannot read " + quoted(missing) + ": No such file or directory");
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + quoted(pki.dir()))) ==
        "handler.tls.key_file: " + quoted(pki.dir()) + " is not a regular file (a directory)");
  // A FIFO (or /dev/zero) would hang start-up or fill memory: refused at once, the key named.
  const auto fifo = pki.dir() / "fifo.pem";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(error_of(handler_tls(R"("cert_file":)" + quoted(fifo) + R"(,"key_file":)" + key)) ==
        "handler.tls.cert_file: " + quoted(fifo) + " is not a regular file (a FIFO)");
  CHECK(error_of(adapter_tls(R"("ca_file":"/dev/zero")")) ==
        "adapter.tls.ca_file: \"/dev/zero\" is not a regular file (a character device)");
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(missing))) ==
        "adapter.tls.ca_file: cannot read " + quoted(missing) + ": No such file or directory");

  // PEM that does not parse.
  CHECK(error_of(handler_tls(R"("cert_file":)" + quoted(garbage) + R"(,"key_file":)" + key))
            .starts_with("handler.tls.cert_file: not a PEM certificate"));
  CHECK(error_of(handler_tls(R"("cert_file":)" + quoted(truncated) + R"(,"key_file":)" + key))
            .starts_with("handler.tls.cert_file: not a PEM certificate"));
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + quoted(garbage_key)))
            .starts_with("handler.tls.key_file: not a PEM private key"));
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + key + R"(,"client_ca_file":)" +
                             quoted(garbage)))
            .starts_with("handler.tls.client_ca_file: not a PEM certificate"));
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(pki.server_key())))
            .starts_with("adapter.tls.ca_file: not a PEM certificate"));
  // A key of another certificate.
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + quoted(pki.other_server_key()))) ==
        "handler.tls.key_file: the private key does not belong to the (first) certificate of cert_file");

  // Pairs: the handler needs both, the adapter both or neither.
  CHECK(error_of(handler_tls(R"("key_file":)" + key)) == "handler.tls.cert_file: required");
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert)) == "handler.tls.key_file: required");
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(pki.ca()) + R"(,"key_file":)" + quoted(pki.client_key()))) ==
        "adapter.tls.cert_file: required when key_file is set");
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(pki.ca()) + R"(,"cert_file":)" + quoted(pki.client_cert()))) ==
        "adapter.tls.key_file: required when cert_file is set");
  CHECK(error_of(adapter_tls(R"("cert_file":)" + quoted(pki.client_cert()))) == "adapter.tls.ca_file: required");

  // Shape: unknown keys, types, ranges.
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + key + R"(,"certfile":"x")")) ==
        "handler.tls.certfile: unknown key");
  CHECK(error_of(handler_tls(R"("cert_file":)" + cert + R"(,"key_file":)" + key + R"(,"refresh_s":0)")) ==
        "handler.tls.refresh_s: expected an integer in 1..86400, got 0");
  CHECK(error_of(handler_tls(R"("cert_file":"","key_file":)" + key)) ==
        R"(handler.tls.cert_file: expected a non-empty string, got "")");
  CHECK(error_of(doc_with(R"("handler":{"tls":true})")) == "handler.tls: expected an object, got true");
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(pki.ca()) + R"(,"server_name":"")")) ==
        R"(adapter.tls.server_name: expected a non-empty string, got "")");
  CHECK(error_of(adapter_tls(R"("ca_file":)" + quoted(pki.ca()) + R"(,"verify":false)")) ==
        "adapter.tls.verify: unknown key");
}

TEST_CASE("tls config: an encrypted key is refused with the reason") {
  TestPki pki;
  const auto encrypted = pki.write(
      "encrypted.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
  CHECK(error_of(handler_tls(R"("cert_file":)" + quoted(pki.server_cert()) + R"(,"key_file":)" + quoted(encrypted)))
            .starts_with("handler.tls.key_file: the private key is encrypted"));
}

TEST_CASE("tls config: exproto-host --check reports a bad TLS file and exits 2") {
  TestPki pki;
  const auto garbage = pki.write("garbage.pem", "garbage\n");
  const auto config = pki.write(
      "host.json", handler_tls(R"("cert_file":)" + quoted(garbage) + R"(,"key_file":)" + quoted(pki.server_key())));
  const auto err = pki.dir() / "check.err";
  const std::string cmd = std::string(EXPROTO_HOST_BIN) + " --check --config '" + config.string() + "' 2>'" +
                          err.string() + "' >/dev/null";
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  const std::string text = read_file(err);
  CAPTURE(text);
  CHECK(text.find("handler.tls.cert_file: not a PEM certificate") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);  // one line
}
