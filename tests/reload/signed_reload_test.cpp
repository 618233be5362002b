// Signed codecs across a hot reload: with plugins.require_signature the host serves only bytes a
// trusted key signed — at start, on every reload the watcher sees, and on rollback (the archived
// bytes are checked again with their archived signature).
#include <doctest/doctest.h>

#include "../support/codec_signing.h"
#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;
using exproto::test::TestSigningKey;

namespace {

itest::StackSpec signed_stack(const PluginsDir& dir, const TestSigningKey& vendor) {
  itest::StackSpec spec = counter_stack(dir, host::ReloadPolicy::migrate);
  auto base = spec.tweak_host;
  spec.tweak_host = [base, key = vendor.public_base64()](host::Config& c) {
    base(c);
    c.plugins.trusted_keys = {host::PluginsConfig::Key{"acme", key}};
    c.plugins.require_signature = true;
  };
  return spec;
}

}  // namespace

TEST_CASE("signed reload: unsigned or foreign-signed releases never serve, a signed one does, rollback re-checks") {
  PluginsDir dir;
  const TestSigningKey vendor, stranger;
  vendor.sign(dir.codec_file());
  itest::Stack s(signed_stack(dir, vendor));
  auto st = codec_status(s.host());
  REQUIRE(st);
  CHECK(st->generations.back().signer == "acme");
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v1");

  // v2 lands unsigned (the old signature is for v1's bytes): refused, v1 keeps serving.
  dir.install_by_rename("v2");
  REQUIRE(itest::wait_until([&] { return s.host().metrics().codec_load_failures.get() == 1; }));
  st = codec_status(s.host());
  REQUIRE(st);
  CHECK(st->last_failure.find("the signature is for other bytes") != std::string::npos);
  CHECK(st->generations.back().version == "1.0.0");
  REQUIRE(a.exchange(1));
  CHECK(a.last_prefix() == "v1");

  // Signed by a key the operator does not trust: refused too.
  stranger.sign(dir.codec_file());
  REQUIRE(itest::wait_until([&] { return s.host().metrics().codec_load_failures.get() == 2; }));
  CHECK(codec_status(s.host())->last_failure.find("no trusted key made this signature") != std::string::npos);

  // The vendor's signature lands: the watcher loads v2 again, now signed.
  vendor.sign(dir.codec_file());
  REQUIRE(wait_current(s.host(), "2.0.0"));
  CHECK(codec_status(s.host())->generations.back().signer == "acme");
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");

  // Rollback loads v1's archived bytes, whose archived signature is checked again.
  auto back = s.host().reloader().rollback("counter");
  REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error()));
  REQUIRE(wait_current(s.host(), "1.0.0"));
  CHECK(codec_status(s.host())->generations.back().signer == "acme");
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v1");
}
