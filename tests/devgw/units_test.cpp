// Pure pieces of the gateway: topic matching, keepalive arithmetic, conn ids, parsers, broker.
#include "broker.hpp"
#include "control_server.hpp"
#include "devgw/conn_id.hpp"
#include "devgw/keepalive.hpp"
#include "devgw/options.hpp"
#include "devgw/topic.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace exproto::devgw;
using std::chrono::milliseconds;

TEST_CASE("topic filters match like EMQX") {
  CHECK(topic_matches("t/a", "t/a"));
  CHECK_FALSE(topic_matches("t/a", "t/b"));
  CHECK(topic_matches("t/+", "t/a"));
  CHECK_FALSE(topic_matches("t/+", "t/a/b"));
  CHECK_FALSE(topic_matches("t/+", "t"));
  CHECK(topic_matches("t/+", "t/"));
  CHECK(topic_matches("t/#", "t"));  // '#' includes the parent level
  CHECK(topic_matches("t/#", "t/a/b/c"));
  CHECK(topic_matches("#", "a/b"));
  CHECK(topic_matches("+/+", "/a"));
  CHECK(topic_matches("+/b/#", "a/b/c"));
  CHECK_FALSE(topic_matches("t/a/#", "t/b"));
  CHECK_FALSE(topic_matches("a", "a/b"));
  CHECK_FALSE(topic_matches("a/b", "a"));
}

TEST_CASE("$-topics are not matched by a leading wildcard") {
  CHECK_FALSE(topic_matches("#", "$SYS/broker"));
  CHECK_FALSE(topic_matches("+/broker", "$SYS/broker"));
  CHECK(topic_matches("$SYS/#", "$SYS/broker"));
  CHECK(topic_matches("$SYS/+", "$SYS/broker"));
  CHECK(topic_matches("a/#", "a/$b"));
}

TEST_CASE("topic filter validation") {
  CHECK(valid_topic_filter("a/+/#"));
  CHECK(valid_topic_filter("#"));
  CHECK(valid_topic_filter("/"));
  CHECK_FALSE(valid_topic_filter(""));
  CHECK_FALSE(valid_topic_filter("a/#/b"));
  CHECK_FALSE(valid_topic_filter("a/b#"));
  CHECK_FALSE(valid_topic_filter("a+/b"));
}

TEST_CASE("keepalive parameters follow EMQX 5.7.2+") {
  const auto p5 = keepalive_params(5);  // I=5 s: ticks every 2.5 s, max idle 7.5 s
  CHECK(p5.check_interval == milliseconds(2500));
  CHECK(p5.max_idle == milliseconds(7500));
  const auto p60 = keepalive_params(60);  // I=60 s: the 30 s default check interval applies
  CHECK(p60.check_interval == milliseconds(30000));
  CHECK(p60.max_idle == milliseconds(90000));
  const auto p1 = keepalive_params(1);  // never below 1 s
  CHECK(p1.check_interval == milliseconds(1000));
  CHECK(p1.max_idle == milliseconds(1500));
  CHECK(keepalive_params(3, milliseconds(100)).check_interval == milliseconds(1000));
  CHECK(keepalive_params(7).max_idle == milliseconds(10500));
  CHECK(keepalive_params(1, milliseconds(30000), 1.25).max_idle == milliseconds(1250));
  CHECK(keepalive_params(100000).max_idle == milliseconds(98302500));  // capped at 65535 s * 1.5
}

TEST_CASE("keepalive times out on the third idle tick for I=5") {
  KeepaliveState ka(keepalive_params(5), 0);
  CHECK_FALSE(ka.tick(0));  // idle 2.5 s
  CHECK_FALSE(ka.tick(0));  // idle 5 s
  CHECK(ka.tick(0));        // 5 + 2.5 >= 7.5
  KeepaliveState active(keepalive_params(5), 0);
  CHECK_FALSE(active.tick(0));
  CHECK_FALSE(active.tick(0));
  CHECK_FALSE(active.tick(1));  // activity resets the idle time
  CHECK_FALSE(active.tick(1));
  CHECK_FALSE(active.tick(1));
  CHECK(active.tick(1));
}

TEST_CASE("conn ids are EMQX pid terms") {
  // Values from the spec (§6), produced by OTP 25 and OTP 26+.
  const ErlangPid pid{"emqx@127.0.0.1", 9, 0, 0x6b024686};
  CHECK(encode_conn_id(pid) == "g1hkAA5lbXF4QDEyNy4wLjAuMQAAAAkAAAAAawJGhg==");
  auto decoded = decode_conn_id("g1hkAA5lbXF4QDEyNy4wLjAuMQAAAAkAAAAAawJGhg==");
  REQUIRE(decoded);
  CHECK(*decoded == pid);
  auto otp26 = decode_conn_id("g1h3DmVtcXhAMTI3LjAuMC4xAAAACQAAAABrAkaH");
  REQUIRE(otp26);
  CHECK(otp26->node == "emqx@127.0.0.1");
  CHECK(otp26->creation == 0x6b024687u);

  const auto ours = encode_conn_id({"devgw@127.0.0.1", 1234, 0, 77});
  auto back = decode_conn_id(ours);
  REQUIRE(back);
  CHECK(back->node == "devgw@127.0.0.1");
  CHECK(back->id == 1234);

  CHECK_FALSE(decode_conn_id(""));
  CHECK_FALSE(decode_conn_id("not base64!"));
  CHECK_FALSE(decode_conn_id(base64_encode(std::string("\x83\x61\x05", 3))));  // the integer 5
  CHECK_FALSE(decode_conn_id(ours.substr(0, ours.size() - 4)));
}

TEST_CASE("base64 round trip") {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    auto back = base64_decode(base64_encode(s));
    REQUIRE(back);
    CHECK(*back == s);
  }
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8=");
}

TEST_CASE("listener specs parse") {
  auto tcp = parse_listener("tcp:127.0.0.1:7993");
  REQUIRE(tcp);
  CHECK(tcp->kind == SocketKind::tcp);
  CHECK(tcp->host == "127.0.0.1");
  CHECK(tcp->port == 7993);
  auto udp = parse_listener("udp:[::1]:0");
  REQUIRE(udp);
  CHECK(udp->kind == SocketKind::udp);
  CHECK(udp->host == "::1");
  CHECK_FALSE(parse_listener("sctp:127.0.0.1:1"));
  CHECK_FALSE(parse_listener("tcp:127.0.0.1:99999"));
  CHECK_FALSE(parse_listener("tcp:7993"));
}

TEST_CASE("auth policy JSON") {
  auto policy = parse_auth_policy(R"({"clients":{"dev1":"pw"},"users":{"alice":"secret"},
                                      "deny_publish":["sys/#"],"deny_subscribe":["private/+"]})");
  REQUIRE(policy);
  CHECK(policy->clients.at("dev1") == "pw");
  CHECK(policy->users.at("alice") == "secret");
  CHECK(policy->deny_publish == std::vector<std::string>{"sys/#"});
  CHECK_FALSE(parse_auth_policy(R"({"client":{}})"));  // typo is an error, not allow-all
  CHECK_FALSE(parse_auth_policy(R"({"clients":{"a":1}})"));
  CHECK_FALSE(parse_auth_policy("[1]"));
  CHECK_FALSE(parse_auth_policy("{"));
}

TEST_CASE("publish command lines") {
  auto cmd = parse_publish_command("PUB t/down hello world\r\n");
  REQUIRE(cmd);
  CHECK(cmd->topic == "t/down");
  CHECK(cmd->payload == "hello world");
  auto lower = parse_publish_command("pub t/x");
  REQUIRE(lower);
  CHECK(lower->payload.empty());
  CHECK_FALSE(parse_publish_command("SUB t/x"));
  CHECK_FALSE(parse_publish_command("PUB"));
  CHECK_FALSE(parse_publish_command("PUB t/# x"));
}

TEST_CASE("broker routes one delivery per matching subscription with one message id") {
  Broker broker("devgw@127.0.0.1", 42);
  broker.subscribe("c1", "t/#", 1);
  broker.subscribe("c1", "t/+", 0);
  broker.subscribe("c2", "t/a", 2);
  broker.subscribe("c3", "x/#", 0);
  auto out = broker.route("t/a", 1, "p", "dev1");
  REQUIRE(out.size() == 3);
  std::set<std::string> ids;
  for (const auto& [conn, d] : out) {
    ids.insert(d.id);
    CHECK(d.qos == 1);  // the published qos, not the subscription's
    CHECK(d.from == "dev1");
    CHECK(d.node == "devgw@127.0.0.1");
    CHECK(d.id.size() == 32);
    CHECK(d.id.find_first_not_of("0123456789ABCDEF") == std::string::npos);
  }
  CHECK(ids.size() == 1);
  CHECK(broker.unsubscribe("c1", "t/#"));
  CHECK_FALSE(broker.unsubscribe("c1", "t/#"));
  broker.drop("c2");
  CHECK(broker.route("t/a", 0, "p", "x").size() == 1);
  CHECK(broker.route("t/b", 0, "p", "x").front().second.id != out.front().second.id);
}
