// TLS device listeners (socktype ssl), with and without client certificates, over a throwaway
// PKI made with the openssl CLI.
#include <doctest/doctest.h>

#include "device_client.h"
#include "rig.h"
#include "test_certs.h"

namespace ltest {

namespace {
HandlerTls listener_tls(const itest::TestPki& pki, bool client_ca) {
  HandlerTls t;
  t.cert_file = pki.server_cert();
  t.key_file = pki.server_key();
  if (client_ca) t.client_ca_file = pki.ca();
  return t;
}
}  // namespace

TEST_SUITE("listener tls") {

TEST_CASE("tls: without client certificates a device talks to the codec and has no certificate names") {
  itest::TestPki pki;
  RigOptions o;
  o.socktype = SockType::ssl;
  o.tls = listener_tls(pki, false);
  o.codec_so = CONNINFO_SO;
  Rig r(o);
  TlsDevice d(r.port, pki.ca());
  REQUIRE_MESSAGE(d.ok(), d.error());
  CHECK(d.read_line() ==
        "open ssl 127.0.0.1:" + std::to_string(d.local_port()) + " " + std::to_string(r.port) + " cn= dn=");
  REQUIRE(d.send("over tls\n"));
  CHECK(d.read_line() == "over tls");
}

TEST_CASE("tls: with client_ca_file the device's certificate names reach the session") {
  itest::TestPki pki;
  const auto cert = make_client_cert(pki, "dev-1", "/C=CN/O=Acme, Inc./CN=dev-1");
  RigOptions o;
  o.socktype = SockType::ssl;
  o.tls = listener_tls(pki, true);
  o.codec_so = CONNINFO_SO;
  Rig r(o);
  TlsDevice d(r.port, pki.ca(), cert, pki.dir() / "dev-1.key");
  REQUIRE_MESSAGE(d.ok(), d.error());
  CHECK(d.read_line() == "open ssl 127.0.0.1:" + std::to_string(d.local_port()) + " " + std::to_string(r.port) +
                             " cn=dev-1 dn=CN=dev-1,O=Acme\\, Inc.,C=CN");
}

TEST_CASE("tls: with client_ca_file a device without a certificate gets no session") {
  itest::TestPki pki;
  RigOptions o;
  o.socktype = SockType::ssl;
  o.tls = listener_tls(pki, true);
  Rig r(o);
  TlsDevice d(r.port, pki.ca());
  if (d.ok()) {
    // TLS 1.3: the client's side of the handshake is done before the server refuses.
    (void)d.send("PING\n");
    CHECK(d.read_line(3s) == std::nullopt);
  }
  CHECK(wait_until([&] { return r.stats.tls_handshake_failures.get() == 1; }));
  CHECK(r.dispatcher->session_count() == 0);
  CHECK(r.stats.accepted.get() == 0);
}

TEST_CASE("tls: the line codec end to end, Close after queued bytes, device close heard as vanished") {
  itest::TestPki pki;
  RigOptions o;
  o.socktype = SockType::ssl;
  o.tls = listener_tls(pki, false);
  Rig r(o);
  TlsDevice d(r.port, pki.ca());
  REQUIRE_MESSAGE(d.ok(), d.error());
  REQUIRE(d.send("CONNECT t1\nPUB x y\n"));
  CHECK(d.read_line() == "OK");
  CHECK(d.read_line() == "OK");
  REQUIRE(d.send("QUIT\n"));
  CHECK(d.read_until_closed() == "OK\n");
  const auto conn = r.broker.conn_of("t1");
  REQUIRE(conn);
  CHECK(r.lifecycle.wait_closed(*conn) == false);

  auto gone = std::make_unique<TlsDevice>(r.port, pki.ca());
  REQUIRE(gone->ok());
  REQUIRE(gone->send("CONNECT t2\n"));
  CHECK(gone->read_line() == "OK");
  const auto conn2 = r.broker.conn_of("t2");
  REQUIRE(conn2);
  gone.reset();
  CHECK(r.lifecycle.wait_closed(*conn2) == true);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
}

}  // TEST_SUITE

}  // namespace ltest

namespace ltest {

TEST_CASE("tls: replaced certificate files serve new connections after refresh_s, established ones go on") {
  itest::TestPki pki;
  namespace fs = std::filesystem;
  const auto live_cert = pki.dir() / "live.pem";
  const auto live_key = pki.dir() / "live.key";
  fs::copy_file(pki.server_cert(), live_cert);
  fs::copy_file(pki.server_key(), live_key);
  RigOptions o;
  o.socktype = SockType::ssl;
  o.tls = HandlerTls{live_cert, live_key, {}, 1};
  Rig r(o);
  TlsDevice before(r.port, pki.ca());
  REQUIRE_MESSAGE(before.ok(), before.error());
  REQUIRE(before.send("PING\n"));
  REQUIRE(before.read_line() == "PONG");

  // A certificate of CA b replaces CA a's.
  fs::copy_file(pki.other_server_cert(), live_cert, fs::copy_options::overwrite_existing);
  fs::copy_file(pki.other_server_key(), live_key, fs::copy_options::overwrite_existing);
  CHECK(wait_until([&] { return TlsDevice(r.port, pki.other_ca()).ok(); }, 6s));
  CHECK_FALSE(TlsDevice(r.port, pki.ca()).ok());
  REQUIRE(before.send("PING\n"));
  CHECK(before.read_line() == "PONG");
}

}  // namespace ltest
