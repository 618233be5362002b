// Certificate rotation on the handler port: replacing the certificate and key files while the host
// runs makes new connections see the new certificate after handler.tls.refresh_s, no restart.
#include <doctest/doctest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <future>

#include "harness.h"
#include "tcp_client.h"
#include "test_pki.h"

using namespace itest;
namespace host = exproto::host;

namespace {

// The common name of the certificate the handler port presents to a brand-new connection, or ""
// when the handshake fails. A health check is the cheapest call that completes a handshake.
std::string served_common_name(int port, const std::string& trusted_pem) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = trusted_pem;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a fresh connection, never a cached one
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl), args);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);  // an empty HealthCheckRequest: the whole server (a default
                                        // ByteBuffer is "no message", which gRPC refuses)
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) return "";
  const auto names = ctx.auth_context()->FindPropertyValues("x509_common_name");
  return names.empty() ? "?" : std::string(names.front().data(), names.front().size());
}

// Replaces `target` in one rename, as an operator's deploy tool should, so the watcher never reads
// a half-written file.
void replace_file(const TestPki& pki, const std::filesystem::path& from, const std::filesystem::path& target) {
  const auto staged = pki.write(target.filename().string() + ".new", read_file(from));
  std::filesystem::rename(staged, target);
}

}  // namespace

TEST_CASE("tls rotation: replaced certificate files are served to new connections after refresh_s") {
  TestPki pki;
  const auto cert = pki.dir() / "live.pem";
  const auto key = pki.dir() / "live.key";
  std::filesystem::copy_file(pki.server_cert(), cert);
  std::filesystem::copy_file(pki.server_key(), key);
  const std::string both_cas = read_file(pki.ca()) + read_file(pki.other_ca());

  Stack s({.tweak_gateway = [&](exproto::devgw::Options& o) {
             o.handler_tls = exproto::devgw::HandlerTlsOptions{pki.ca(), "", "", ""};
           },
           .tweak_host = [&](host::Config& c) { c.handler.tls = host::HandlerTls{cert, key, "", 1}; }});
  const int port = s.host().handler_port();
  REQUIRE(served_common_name(port, both_cas) == "exproto-host a");

  // A device connected before the rotation: its gateway's HTTP/2 connection keeps working.
  TcpClient before(s.device_port());
  before.write(connect_frame("dev-before"));
  REQUIRE(before.read_n(std::string(R"({"type":2,"code":0})").size()).has_value());

  // Key first, then certificate: between the two renames the pair does not match, and the
  // provider must keep serving the old pair rather than break handshakes.
  replace_file(pki, pki.other_server_key(), key);
  replace_file(pki, pki.other_server_cert(), cert);
  std::string seen;
  const bool rotated = wait_until(
      [&] {
        seen = served_common_name(port, both_cas);
        return seen == "exproto-host b";
      },
      10s);
  CAPTURE(seen);
  CHECK(rotated);
  // Only the new CA is needed now, and the old one no longer suffices.
  CHECK(served_common_name(port, read_file(pki.other_ca())) == "exproto-host b");
  CHECK(served_common_name(port, read_file(pki.ca())).empty());

  before.write(publish_frame("t/rot", "still-here", 1));
  CHECK(before.read_n(std::string(R"({"type":4,"code":0})").size()).has_value());
}
