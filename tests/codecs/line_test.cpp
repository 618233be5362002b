// The line codec: each command, line framing across chunks, answer order, errors and config.
#include "checked_host.h"

#include <doctest/doctest.h>

#include <string>

using namespace codectest;

namespace {

struct Line {
  explicit Line(std::string_view config = "{}") : codec(library, config) {}
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary library{LINE_SO, host};
  CodecInstance codec;
  FakeSession s{codec};

  void connect(std::string_view clientid = "dev1") {
    REQUIRE(s.bytes("CONNECT " + std::string(clientid) + "\n") == kStatusOk);
    REQUIRE(s.resolve_all() == kStatusOk);
    REQUIRE(s.take_sent() == "OK\n");
  }

  static constexpr auto kStatusOk = EXPROTO_STATUS_OK;
};

constexpr auto kOk = EXPROTO_STATUS_OK;

}  // namespace

TEST_SUITE("line") {

TEST_CASE("line: descriptor names the codec") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{LINE_SO, host};
  CHECK(std::string(lib.descriptor().name) == "line");
}

TEST_CASE("line: CONNECT authenticates as proto line/1 and answers OK") {
  Line t;
  REQUIRE(t.s.bytes("CONNECT dev1 alice s3cret\n") == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].proto_name == "line");
  CHECK(auth[0].proto_ver == "1");
  CHECK(auth[0].clientid == "dev1");
  CHECK(auth[0].username == "alice");
  CHECK(auth[0].password == "s3cret");
  CHECK(auth[0].mountpoint.empty());
  CHECK(t.s.take_sent().empty());
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == "OK\n");
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
}

TEST_CASE("line: CONNECT with only a clientid sends empty username and password") {
  Line t;
  REQUIRE(t.s.bytes("connect dev1\n") == kOk);  // command words are case-insensitive
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].username.empty());
  CHECK(auth[0].password.empty());
}

TEST_CASE("line: CONNECT starts the configured keepalive after success") {
  Line t(R"({"keepalive":30})");
  REQUIRE(t.s.bytes("CONNECT dev1\n") == kOk);
  REQUIRE(t.s.resolve_next() == kOk);
  const auto ka = t.s.calls_of(CallKind::start_keepalive);
  REQUIRE(ka.size() == 1);
  CHECK(ka[0].number == 30);
  CHECK(t.s.take_sent() == "OK\n");
}

TEST_CASE("line: denied CONNECT answers ERROR with the code and keeps the connection for a retry") {
  Line t(R"({"keepalive":30})");
  REQUIRE(t.s.bytes("CONNECT dev1 bob wrong\n") == kOk);
  REQUIRE(t.s.resolve_next(EXPROTO_RESULT_PERMISSION_DENY, "not_authorized") == kOk);
  CHECK(t.s.take_sent() == "ERROR 5 not authorized: not_authorized\n");
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
  CHECK_FALSE(t.s.close_requested());

  REQUIRE(t.s.bytes("SUB t\n") == kOk);
  CHECK(t.s.take_sent() == "ERROR 401 not connected (send CONNECT <clientid> first)\n");
  REQUIRE(t.s.resolve_all() == kOk);
  t.connect();
}

TEST_CASE("line: a second CONNECT is refused without calling EMQX") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("CONNECT other\n") == kOk);
  CHECK(t.s.take_sent() == "ERROR 409 already connected\n");
  CHECK(t.s.calls_of(CallKind::authenticate).size() == 1);
}

TEST_CASE("line: SUB subscribes with the given or default QoS") {
  Line t(R"({"default_qos":1})");
  t.connect();
  REQUIRE(t.s.bytes("SUB a/+ 2\nSUB b/#\n") == kOk);
  const auto subs = t.s.calls_of(CallKind::subscribe);
  REQUIRE(subs.size() == 2);
  CHECK(subs[0].data == "a/+");
  CHECK(subs[0].number == 2);
  CHECK(subs[1].data == "b/#");
  CHECK(subs[1].number == 1);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\nOK\n");
}

TEST_CASE("line: SUB denied answers ERROR 5") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("SUB secret/#\n") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::subscribe, EXPROTO_RESULT_PERMISSION_DENY, "<<\"Authorization deny\">>") == kOk);
  CHECK(t.s.take_sent() == "ERROR 5 not authorized: <<\"Authorization deny\">>\n");
}

TEST_CASE("line: UNSUB unsubscribes") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("UNSUB a/+\n") == kOk);
  const auto unsubs = t.s.calls_of(CallKind::unsubscribe);
  REQUIRE(unsubs.size() == 1);
  CHECK(unsubs[0].data == "a/+");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\n");
}

TEST_CASE("line: PUB publishes the rest of the line, spaces included, at the default QoS") {
  Line t(R"({"default_qos":2})");
  t.connect();
  REQUIRE(t.s.bytes("PUB t/up   hello  big world \n") == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == "t/up");
  CHECK(pubs[0].payload == "hello  big world ");
  CHECK(pubs[0].number == 2);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\n");
}

TEST_CASE("line: PUB without a payload publishes an empty message") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("PUB t/empty\n") == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].payload.empty());
}

TEST_CASE("line: PUB failure answers ERROR with EMQX's code") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("PUB t x\n") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::publish, EXPROTO_RESULT_UNKNOWN, "{error,unexpected_call}") == kOk);
  CHECK(t.s.take_sent() == "ERROR 1 failed: {error,unexpected_call}\n");
  REQUIRE(t.s.bytes("PUB t x\n") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::publish, EXPROTO_RESULT_HOST_DEADLINE) == kOk);
  CHECK(t.s.take_sent() == "ERROR 101 broker did not answer in time\n");
}

TEST_CASE("line: PING answers PONG, also before CONNECT") {
  Line t;
  REQUIRE(t.s.bytes("PING\n") == kOk);
  CHECK(t.s.take_sent() == "PONG\n");
  CHECK(t.s.calls.size() == 1);
}

TEST_CASE("line: QUIT answers OK, closes, and ignores what follows") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("QUIT\nPUB t x\n") == kOk);
  CHECK(t.s.take_sent() == "OK\n");
  CHECK(t.s.calls.back().kind == CallKind::close);
  CHECK(t.s.calls_of(CallKind::publish).empty());
}

TEST_CASE("line: commands that need a connection fail before CONNECT without calling EMQX") {
  Line t;
  REQUIRE(t.s.bytes("SUB t\nUNSUB t\nPUB t x\n") == kOk);
  const std::string e = "ERROR 401 not connected (send CONNECT <clientid> first)\n";
  CHECK(t.s.take_sent() == e + e + e);
  CHECK(t.s.calls_of(CallKind::subscribe).empty());
  CHECK(t.s.calls_of(CallKind::unsubscribe).empty());
  CHECK(t.s.calls_of(CallKind::publish).empty());
}

TEST_CASE("line: unknown commands and bad arguments answer ERROR 400 and keep the connection") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("HELLO there\nSUB\nSUB t 3\nUNSUB a b\nCONNECT\nPUB\nPING x\n") == kOk);
  CHECK(t.s.take_sent() ==
        "ERROR 400 unknown command \"HELLO\" (commands: CONNECT, SUB, UNSUB, PUB, PING, QUIT)\n"
        "ERROR 400 usage: SUB <topic> [<qos>]\n"
        "ERROR 400 qos must be 0, 1 or 2, got \"3\"\n"
        "ERROR 400 usage: UNSUB <topic>\n"
        "ERROR 400 usage: CONNECT <clientid> [<username> [<password>]]\n"
        "ERROR 400 usage: PUB <topic> <payload...>\n"
        "ERROR 400 usage: PING\n");
  CHECK_FALSE(t.s.close_requested());
}

TEST_CASE("line: control bytes in an echoed command word are neutralised") {
  Line t;
  REQUIRE(t.s.bytes("\x1b[2J\n") == kOk);
  CHECK(t.s.take_sent().rfind("ERROR 400 unknown command \"?[2J\"", 0) == 0);
}

TEST_CASE("line: CRLF endings, blank lines and stray CRs are ignored") {
  Line t;
  REQUIRE(t.s.bytes("\r\n\n   \r\nPING\r\nCONNECT dev1\r\n") == kOk);
  CHECK(t.s.take_sent() == "PONG\n");
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].clientid == "dev1");
}

TEST_CASE("line: a line split across chunks is handled once complete") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("PU") == kOk);
  REQUIRE(t.s.bytes("B t/x hel") == kOk);
  CHECK(t.s.calls_of(CallKind::publish).empty());
  REQUIRE(t.s.bytes("lo world\r") == kOk);
  CHECK(t.s.calls_of(CallKind::publish).empty());
  REQUIRE(t.s.bytes("\nPI") == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].payload == "hello world");
  REQUIRE(t.s.bytes("NG\n") == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\nPONG\n");
}

TEST_CASE("line: answers keep command order while EMQX results are pending") {
  Line t;
  t.connect();
  REQUIRE(t.s.bytes("PUB t 1\nPING\nSUB s\nPING\n") == kOk);
  CHECK(t.s.take_sent().empty());  // PONG waits for the PUB's answer
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == "OK\nPONG\n");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\nPONG\n");
}

TEST_CASE("line: lines sent while CONNECT is pending wait for its result") {
  Line t;
  REQUIRE(t.s.bytes("CONNECT dev1\nSUB t\nPUB t hi\n") == kOk);
  CHECK(t.s.calls.size() == 1);  // only Authenticate so far
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.calls_of(CallKind::subscribe).size() == 1);
  CHECK(t.s.calls_of(CallKind::publish).size() == 1);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\nOK\nOK\n");
}

TEST_CASE("line: lines held behind a failed CONNECT get not-connected errors") {
  Line t;
  REQUIRE(t.s.bytes("CONNECT dev1\nSUB t\n") == kOk);
  REQUIRE(t.s.resolve_next(EXPROTO_RESULT_PERMISSION_DENY, "not_authorized") == kOk);
  CHECK(t.s.take_sent() ==
        "ERROR 5 not authorized: not_authorized\nERROR 401 not connected (send CONNECT <clientid> first)\n");
  CHECK(t.s.calls_of(CallKind::subscribe).empty());
}

TEST_CASE("line: a line longer than max_line_bytes answers ERROR and closes") {
  Line t(R"({"max_line_bytes":16})");
  SUBCASE("complete line") {
    REQUIRE(t.s.bytes("PUB t 0123456789abcdef\nPING\n") == kOk);
  }
  SUBCASE("unfinished line growing over chunks") {
    REQUIRE(t.s.bytes("PUB t 0123456") == kOk);
    CHECK_FALSE(t.s.close_requested());
    REQUIRE(t.s.bytes("789abcdef") == kOk);
  }
  CHECK(t.s.take_sent() == "ERROR 413 line too long (max 16 bytes)\n");
  CHECK(t.s.calls.back().kind == CallKind::close);
  CHECK(t.s.logged("line longer than max_line_bytes (16)"));
  const auto calls = t.s.calls.size();
  REQUIRE(t.s.bytes("PING\n") == kOk);
  CHECK(t.s.calls.size() == calls);
}

TEST_CASE("line: a line of exactly max_line_bytes, with CRLF, is accepted") {
  Line t(R"({"max_line_bytes":16})");
  REQUIRE(t.s.bytes("PUB t 0123456789") == kOk);  // 16 bytes, newline not yet here
  REQUIRE(t.s.bytes("\r") == kOk);
  REQUIRE(t.s.bytes("\n") == kOk);
  CHECK(t.s.take_sent() == "ERROR 401 not connected (send CONNECT <clientid> first)\n");
  CHECK_FALSE(t.s.close_requested());
}

TEST_CASE("line: too much input while CONNECT is pending closes the connection") {
  Line t(R"({"max_line_bytes":16})");
  REQUIRE(t.s.bytes("CONNECT dev1\n") == kOk);
  std::string flood;
  for (int i = 0; i < 40; ++i) flood += "PUB t 012345678\n";
  REQUIRE(t.s.bytes(flood) == kOk);
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == "OK\nERROR 413 too much input while CONNECT is pending\n");
  CHECK(t.s.close_requested());
  CHECK(t.s.calls_of(CallKind::publish).empty());
}

TEST_CASE("line: deliveries arrive as MSG lines, line breaks flattened") {
  Line t;
  t.connect();
  REQUIRE(t.s.messages({{"t/dn", "hello world", 0}, {"t/2", "a\r\nb", 1}}) == kOk);
  CHECK(t.s.take_sent() == "MSG t/dn hello world\nMSG t/2 a  b\n");
}

TEST_CASE("line: keepalive timeout needs no answer") {
  Line t(R"({"keepalive":5})");
  t.connect();
  const auto calls = t.s.calls.size();
  REQUIRE(t.s.keepalive_timeout() == kOk);
  CHECK(t.s.calls.size() == calls);
  REQUIRE(t.s.bytes("PING\n") == kOk);
  CHECK(t.s.calls.size() == calls);
}

TEST_CASE("line: a call the host refuses is answered at once") {
  Line t;
  t.connect();
  t.s.refuse_calls = true;
  REQUIRE(t.s.bytes("SUB t\n") == kOk);
  t.s.refuse_calls = false;
  CHECK(t.s.take_sent() == "ERROR 503 the gateway refused the request; try again\n");
}

TEST_CASE("line: config: valid forms are accepted") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{LINE_SO, host};
  for (const char* cfg : {"", "null", "{}", R"({"keepalive":0,"max_line_bytes":16,"default_qos":2})",
                          R"({"keepalive":65535,"max_line_bytes":1048576})"}) {
    CAPTURE(cfg);
    CHECK_FALSE(CodecInstance::refuse(lib, cfg).has_value());
  }
}

TEST_CASE("line: config: bad values refuse the codec with a clear reason") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{LINE_SO, host};
  struct Case {
    const char* config;
    const char* reason;
  };
  const Case cases[] = {
      {"{\"keepalive\":", "line config: not valid JSON"},
      {"42", "line config: must be an object, got number"},
      {R"({"keep_alive":5})", "line config: unknown key \"keep_alive\" (known: keepalive, max_line_bytes, default_qos)"},
      {R"({"keepalive":"5"})", "line config: \"keepalive\" must be an integer, got string"},
      {R"({"keepalive":-1})", "line config: \"keepalive\" must be between 0 and 65535, got -1"},
      {R"({"keepalive":18446744073709551615})", "\"keepalive\" must be between 0 and 65535, got 18446744073709551615"},
      {R"({"max_line_bytes":8})", "line config: \"max_line_bytes\" must be between 16 and 1048576, got 8"},
      {R"({"default_qos":3})", "line config: \"default_qos\" must be between 0 and 2, got 3"},
      {R"({"default_qos":1.5})", "line config: \"default_qos\" must be an integer, got number"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.config);
    const auto refusal = CodecInstance::refuse(lib, c.config);
    REQUIRE(refusal.has_value());
    CHECK(refusal->status != EXPROTO_STATUS_OK);
    CHECK_MESSAGE(refusal->reason.find(c.reason) != std::string::npos, "reason was: " << refusal->reason);
  }
}

TEST_CASE("line: two instances of the codec keep their own config") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{LINE_SO, host};
  CodecInstance strict(lib, R"({"max_line_bytes":16})");
  CodecInstance roomy(lib, R"({"max_line_bytes":64})");
  FakeSession a{strict, "a"};
  FakeSession b{roomy, "b"};
  const std::string longish = "PING                      \n";  // 26 bytes before the newline
  REQUIRE(a.bytes(longish) == kOk);
  REQUIRE(b.bytes(longish) == kOk);
  CHECK(a.close_requested());
  CHECK_FALSE(b.close_requested());
}

TEST_CASE("line: over UDP the end of a datagram ends its line") {
  Line t;
  FakeSession udp{t.codec, "udp-1", EXPROTO_SOCK_UDP};
  REQUIRE(udp.bytes("PING") == kOk);
  REQUIRE(udp.bytes("PING\n") == kOk);
  REQUIRE(udp.bytes("PING\nPI") == kOk);
  CHECK(udp.take_sent() == "PONG\nPONG\nPONG\nERROR 400 unknown command \"PI\" (commands: CONNECT, SUB, UNSUB, PUB, PING, QUIT)\n");
}

}  // TEST_SUITE
