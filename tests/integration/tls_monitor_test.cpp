// The host-side monitor of the handler.tls files: a bad file rotated in is counted and logged once
// per problem (gRPC itself only logs and keeps the old pair), and the expiry of the served
// certificate is exported as a gauge.
#include <doctest/doctest.h>

#include <thread>

#include "harness.h"
#include "test_pki.h"

using namespace itest;
namespace host = exproto::host;

namespace {

constexpr int64_t kDay = 86400;

// Replaces `target` in one rename, as an operator's deploy tool should.
void replace_file(const TestPki& pki, const std::string& content, const std::filesystem::path& target) {
  const auto staged = pki.write(target.filename().string() + ".new", content);
  std::filesystem::rename(staged, target);
}

// The files the host serves ("live.pem", "live.key"), copies the test then replaces.
std::pair<std::filesystem::path, std::filesystem::path> live_copy(const TestPki& pki, const std::filesystem::path& cert,
                                                                  const std::filesystem::path& key) {
  std::pair<std::filesystem::path, std::filesystem::path> live{pki.dir() / "live.pem", pki.dir() / "live.key"};
  std::filesystem::copy_file(cert, live.first);
  std::filesystem::copy_file(key, live.second);
  return live;
}

StackSpec tls_stack(const TestPki& pki, const std::filesystem::path& cert, const std::filesystem::path& key) {
  return {.tweak_gateway = [&pki](exproto::devgw::Options& o) {
            o.handler_tls = exproto::devgw::HandlerTlsOptions{pki.ca(), "", "", ""};
          },
          .tweak_host = [cert, key](host::Config& c) { c.handler.tls = host::HandlerTls{cert, key, "", 1}; }};
}

}  // namespace

TEST_CASE("tls monitor: a garbage certificate rotated in is counted once, until the files are good again") {
  TestPki pki;
  const auto [cert, key] = live_copy(pki, pki.server_cert(), pki.server_key());
  Stack s(tls_stack(pki, cert, key));
  auto& problems = s.host().metrics().tls_file_problems;
  REQUIRE(problems.get() == 0);

  replace_file(pki, "this is not a certificate\n", cert);
  REQUIRE(wait_until([&] { return problems.get() == 1; }, 10s));
  CHECK(s.host().metrics().render_prometheus().find("exproto_tls_file_problems_total 1\n") != std::string::npos);
  std::this_thread::sleep_for(3500ms);  // three more checks of the same bad file
  CHECK(problems.get() == 1);

  // The good pair back: nothing more is counted.
  replace_file(pki, read_file(pki.server_cert()), cert);
  std::this_thread::sleep_for(3500ms);
  CHECK(problems.get() == 1);

  // The monitor did notice the good set: the same garbage again is a new problem.
  replace_file(pki, "this is not a certificate\n", cert);
  CHECK(wait_until([&] { return problems.get() == 2; }, 10s));
}

TEST_CASE("tls monitor: a key of another certificate is a problem, a half-way rotation is not") {
  TestPki pki;
  const auto [cert, key] = live_copy(pki, pki.server_cert(), pki.server_key());
  Stack s(tls_stack(pki, cert, key));
  auto& problems = s.host().metrics().tls_file_problems;

  // Key and certificate replaced one after the other, as in a rotation: never counted.
  replace_file(pki, read_file(pki.other_server_key()), key);
  replace_file(pki, read_file(pki.other_server_cert()), cert);
  std::this_thread::sleep_for(2500ms);
  CHECK(problems.get() == 0);

  // Only the key replaced: the pair stays mismatched, which is counted.
  replace_file(pki, read_file(pki.server_key()), key);
  CHECK(wait_until([&] { return problems.get() == 1; }, 10s));
}

TEST_CASE("tls monitor: the expiry gauge follows the served certificate") {
  TestPki pki;
  const auto long_cert = pki.make_server("long", 365);
  const auto short_cert = pki.make_server("short", 3);
  const auto [cert, key] = live_copy(pki, long_cert, pki.dir() / "long.key");
  Stack s(tls_stack(pki, cert, key));
  auto& expiry = s.host().metrics().tls_cert_expiry_seconds;
  CHECK(expiry.get() > 364 * kDay);
  CHECK(s.host().metrics().render_prometheus().find("exproto_tls_cert_expiry_seconds ") != std::string::npos);

  replace_file(pki, read_file(pki.dir() / "short.key"), key);
  replace_file(pki, read_file(short_cert), cert);
  const bool near = wait_until([&] { return expiry.get() > 0 && expiry.get() < 14 * kDay; }, 10s);
  CAPTURE(expiry.get());
  CHECK(near);
  CHECK(expiry.get() > 2 * kDay);
  CHECK(expiry.get() <= 3 * kDay);
  CHECK(s.host().metrics().tls_file_problems.get() == 0);
}

TEST_CASE("tls monitor: without handler.tls there is no expiry gauge") {
  Stack s;
  CHECK(s.host().metrics().render_prometheus().find("tls_cert_expiry_seconds") == std::string::npos);
  CHECK(s.host().metrics().render_prometheus().find("exproto_tls_file_problems_total 0\n") != std::string::npos);
}
