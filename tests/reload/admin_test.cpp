// The admin endpoint: status with generations, reload/rollback, metrics, and grpc.health.v1 on
// the handler port.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include "admin.grpc.pb.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;
namespace pb = exproto::admin::v1;

namespace {

}  // namespace

TEST_CASE("admin: status, reload, rollback, metrics, and health on the handler port") {
  PluginsDir dir;
  auto spec = counter_stack(dir, host::ReloadPolicy::migrate);
  const uint16_t admin_port = itest::free_port();
  spec.tweak_host = [inner = spec.tweak_host, admin_port](host::Config& c) {
    inner(c);
    c.plugins.watch = false;  // this test reloads through the admin endpoint only
    c.admin.bind = "127.0.0.1:" + std::to_string(admin_port);
  };
  itest::Stack s(spec);
  REQUIRE(s.host().admin_port() == admin_port);
  auto stub = pb::Admin::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(admin_port), grpc::InsecureChannelCredentials()));

  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  {
    grpc::ClientContext ctx;
    pb::StatusReply st;
    REQUIRE(stub->Status(&ctx, pb::StatusRequest{}, &st).ok());
    REQUIRE(st.codecs_size() == 1);
    const auto& c = st.codecs(0);
    CHECK(c.name() == "counter");
    REQUIRE(c.generations_size() == 1);
    CHECK(c.generations(0).version() == "1.0.0");
    CHECK(c.generations(0).vendor() == "Reload Fixtures");
    CHECK(c.generations(0).abi_major() == 1);
    CHECK(c.generations(0).abi_minor() == EXPROTO_ABI_MINOR);
    CHECK(c.generations(0).sha256().size() == 64);
    CHECK(c.generations(0).sessions() == 1);
    CHECK(c.generations(0).state() == "current");
    CHECK(c.generations(0).loaded_at_ms() > 0);
  }
  // The watcher is off: the new file is picked up by an explicit reload.
  dir.install_by_rename("v2");
  {
    grpc::ClientContext ctx;
    pb::CodecRequest req;
    req.set_codec("counter");
    pb::ActionReply reply;
    REQUIRE(stub->Reload(&ctx, req, &reply).ok());
    CHECK(reply.ok());
    CHECK(reply.message().find("1.0.0 -> 2.0.0") != std::string::npos);
  }
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");
  {
    grpc::ClientContext ctx;
    pb::CodecRequest req;
    req.set_codec("counter");
    pb::ActionReply reply;
    REQUIRE(stub->Rollback(&ctx, req, &reply).ok());
    CHECK(reply.ok());
  }
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v1");
  CHECK(a.answered() == 6);
  {
    grpc::ClientContext ctx;
    pb::CodecRequest req;
    req.set_codec("missing");
    pb::ActionReply reply;
    REQUIRE(stub->Reload(&ctx, req, &reply).ok());
    CHECK_FALSE(reply.ok());
    CHECK(reply.message().find("missing") != std::string::npos);
  }
  {
    grpc::ClientContext ctx;
    pb::MetricsReply m;
    REQUIRE(stub->Metrics(&ctx, pb::MetricsRequest{}, &m).ok());
    CHECK(m.prometheus().find("exproto_sessions_migrated_total 2") != std::string::npos);
    CHECK(m.prometheus().find("exproto_codec_loads_total 3") != std::string::npos);
  }
  CHECK(itest::health_check(s.host_config().handler.bind) == std::string("\x08\x01"));
}

TEST_CASE("SIGHUP routes: a changed codec config applies to new connections and existing ones continue") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  auto routes = s.host_config().routes;
  routes[0].config_json = R"({"changed":true})";
  auto applied = s.host().apply_routes(routes);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  CHECK(applied->find("1 new or changed") != std::string::npos);
  REQUIRE(a.exchange(2));
  Device b(s.device_port());
  REQUIRE(b.exchange(1));
  routes[0].codec = "nope";
  CHECK_FALSE(s.host().apply_routes(routes).has_value());
  REQUIRE(b.exchange(1));
}
