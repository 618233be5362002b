// The handler port's and the admin endpoint's edges over real gRPC on loopback: a peer outside
// handler.allow_peers is refused, the open calls of one peer are capped, malformed requests never
// reach a session, and the admin socket exists only with mode 0600 while `exproto-host ctl` works
// over it.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "exproto.grpc.pb.h"
#include "harness.h"
#include "host/app/app.h"
#include "host/config/config.h"
#include "host/config/ip_address.h"

using namespace itest;
namespace host = exproto::host;
namespace pb = emqx::exproto::v1;

namespace {

host::Config base_config() {
  host::Config c;
  c.handler.bind = "127.0.0.1:0";
  c.adapter.addresses = {"127.0.0.1:" + std::to_string(free_port())};  // nothing answers: not needed here
  c.plugins.dir = EXPROTO_PLUGINS_DIR;
  c.plugins.watch = false;
  c.routes.push_back(host::Route{.listener = {7993, host::SockType::tcp}, .codec = "jsonframe"});
  return c;
}

std::unique_ptr<host::App> start(const host::Config& c) {
  auto app = host::App::start(c);
  REQUIRE_MESSAGE(app.has_value(), (app ? "" : app.error()));
  return std::move(*app);
}

struct Client {
  explicit Client(int port)
      : channel(grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials())),
        unary(pb::ConnectionUnaryHandler::NewStub(channel)),
        streaming(pb::ConnectionHandler::NewStub(channel)) {}

  template <class Req, class Call>
  grpc::Status call(const Req& req, Call method) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    pb::EmptySuccess resp;
    return ((*unary).*method)(&ctx, req, &resp);
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::ConnectionUnaryHandler::Stub> unary;
  std::unique_ptr<pb::ConnectionHandler::Stub> streaming;
};

// One client stream of OnReceivedBytes, kept open until finish().
struct OpenStream {
  explicit OpenStream(Client& c) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    writer = c.streaming->OnReceivedBytes(&ctx, &resp);
  }
  grpc::Status finish() {
    writer->WritesDone();
    return writer->Finish();
  }
  grpc::ClientContext ctx;
  pb::EmptySuccess resp;
  std::unique_ptr<grpc::ClientWriter<pb::ReceivedBytesRequest>> writer;
};

pb::ReceivedBytesRequest bytes_for(const std::string& conn) {
  pb::ReceivedBytesRequest r;
  r.set_conn(conn);
  r.set_bytes("x");
  return r;
}

pb::SocketCreatedRequest created(const std::string& conn, int socktype) {
  pb::SocketCreatedRequest r;
  r.set_conn(conn);
  r.mutable_conninfo()->set_socktype(static_cast<pb::SocketType>(socktype));
  r.mutable_conninfo()->mutable_sockname()->set_port(7993);
  r.mutable_conninfo()->mutable_peername()->set_host("10.0.0.9");
  r.mutable_conninfo()->mutable_peername()->set_port(40000);
  return r;
}

struct CommandResult {
  int code = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) r.output += buf.data();
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("security: a caller outside handler.allow_peers is refused with PERMISSION_DENIED, unary and streaming") {
  auto c = base_config();
  c.handler.allow_peers = {*host::parse_ip_range("127.0.0.2")};  // the test connects from 127.0.0.1
  auto app = start(c);
  Client client(app->handler_port());

  const grpc::Status unary = client.call(bytes_for("c1"), &pb::ConnectionUnaryHandler::Stub::OnReceivedBytes);
  CHECK(unary.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(app->metrics().handler_peers_refused.get() == 1);

  OpenStream stream(client);
  stream.writer->Write(bytes_for("c1"));  // may fail once the server finished: the status says why
  CHECK(stream.finish().error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(app->metrics().handler_peers_refused.get() == 2);
  CHECK(app->metrics().events_received.get() == 0);
  CHECK(app->metrics().unknown_conn_events.get() == 0);
}

TEST_CASE("security: a caller inside handler.allow_peers is served") {
  auto c = base_config();
  c.handler.allow_peers = {*host::parse_ip_range("10.0.0.0/8"), *host::parse_ip_range("127.0.0.0/8")};
  auto app = start(c);
  Client client(app->handler_port());
  const grpc::Status st = client.call(bytes_for("nobody"), &pb::ConnectionUnaryHandler::Stub::OnReceivedBytes);
  CHECK(st.error_code() != grpc::StatusCode::PERMISSION_DENIED);
  CHECK(wait_until([&] { return app->metrics().unknown_conn_events.get() == 1; }));
  CHECK(app->metrics().handler_peers_refused.get() == 0);
}

TEST_CASE("security: handler.max_calls_per_peer caps the open streams of one address, and frees with them") {
  auto c = base_config();
  c.handler.max_calls_per_peer = 2;
  auto app = start(c);
  Client client(app->handler_port());
  auto over_limit = [&] {
    return client.call(bytes_for("c1"), &pb::ConnectionUnaryHandler::Stub::OnReceivedBytes).error_code() ==
           grpc::StatusCode::RESOURCE_EXHAUSTED;
  };
  OpenStream first(client);
  OpenStream second(client);
  // The server counts a stream when its handler starts, which may lag its opening: once both
  // count, a unary call from the same address is refused. (Nothing else competes for the two
  // places, so both streams are the ones admitted.)
  REQUIRE(wait_until(over_limit, 15s));
  const auto refused_before = app->metrics().handler_calls_over_limit.get();
  {
    // A third stream is refused too. Its status is not asserted: the server finishes it before
    // reading, and the client's half-close can race that finish on a loaded machine.
    OpenStream third(client);
    third.finish();
  }
  CHECK(app->metrics().handler_calls_over_limit.get() > refused_before);

  CHECK(first.finish().ok());
  // The place is given back when the server has finished with the stream.
  CHECK(wait_until([&] { return !over_limit(); }, 15s));
  CHECK(second.finish().ok());
}

TEST_CASE("security: requests EMQX could not have sent are refused with INVALID_ARGUMENT before any session") {
  auto app = start(base_config());
  Client client(app->handler_port());
  const auto created_call = &pb::ConnectionUnaryHandler::Stub::OnSocketCreated;

  grpc::Status st = client.call(created("c1", 7), created_call);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "conninfo.socktype: 7 is not a SocketType (0..3)");
  CHECK(client.call(created("c2", -1), created_call).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(client.call(created("", 0), created_call).error_message() == "conn: empty");
  CHECK(client.call(created(std::string(1025, 'c'), 0), created_call).error_message() ==
        "conn: 1025 bytes, more than 1024");
  auto bad_port = created("c3", 0);
  bad_port.mutable_conninfo()->mutable_sockname()->set_port(70000);
  CHECK(client.call(bad_port, created_call).error_message() == "conninfo.sockname.port: 70000 is not a port");

  pb::TimerTimeoutRequest timer;
  timer.set_conn("c1");
  timer.set_type(static_cast<pb::TimerType>(3));
  CHECK(client.call(timer, &pb::ConnectionUnaryHandler::Stub::OnTimerTimeout).error_message() ==
        "type: 3 is not a TimerType (0)");

  pb::ReceivedMessagesRequest messages;
  messages.set_conn("c1");
  messages.add_messages()->set_qos(3);
  CHECK(client.call(messages, &pb::ConnectionUnaryHandler::Stub::OnReceivedMessages).error_message() ==
        "messages[0].qos: 3 is not 0, 1 or 2");

  // On a stream the refusal ends the stream.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  pb::EmptySuccess resp;
  auto writer = client.streaming->OnSocketCreated(&ctx, &resp);
  writer->Write(created("c4", 9));
  writer->WritesDone();
  st = writer->Finish();
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "conninfo.socktype: 9 is not a SocketType (0..3)");

  CHECK(app->metrics().handler_requests_refused.get() == 8);
  CHECK(app->metrics().sessions_opened.get() == 0);
  CHECK(app->metrics().events_received.get() == 0);
  CHECK(app->metrics().unknown_conn_events.get() == 0);

  // A well-formed one still goes through.
  CHECK(client.call(created("c5", 0), created_call).ok());
  CHECK(wait_until([&] { return app->metrics().sessions_opened.get() == 1; }));
}

TEST_CASE("security: the admin socket is mode 0600, ctl works over it, and it goes with the host") {
  const auto dir = std::filesystem::temp_directory_path() / ("exproto-admin-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "admin.sock";
  auto c = base_config();
  c.admin.socket = path;
  {
    auto app = start(c);
    struct stat st{};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_uid == ::getuid());
    CHECK(app->admin_port() == 0);
    // Nothing else is left beside it (the private directory it was bound in is gone).
    CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);

    const auto status = run(std::string(EXPROTO_HOST_BIN) + " ctl --admin " + path.string() + " status");
    CHECK_MESSAGE(status.code == 0, status.output);
    CHECK(status.output.find("codec jsonframe") != std::string::npos);
    const auto metrics = run(std::string(EXPROTO_HOST_BIN) + " ctl --admin unix:" + path.string() + " metrics");
    CHECK_MESSAGE(metrics.code == 0, metrics.output);
    CHECK(metrics.output.find("exproto_handler_peers_refused_total") != std::string::npos);

    // A second host never takes over a live socket.
    auto second = host::App::start(c);
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error() == "admin.socket: " + path.string() + ": another process serves on this socket");
  }
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path)));
  CHECK(run(std::string(EXPROTO_HOST_BIN) + " ctl --admin " + path.string() + " status").code == 3);

  // A file that is not a socket is never replaced.
  { std::ofstream(path) << "precious"; }
  auto refused = host::App::start(c);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error() == "admin.socket: " + path.string() + ": exists and is not a socket");
  std::filesystem::remove_all(dir);
}

TEST_CASE("security: an admin.bind that is not a loopback literal is refused even from a config built in code") {
  auto c = base_config();
  c.admin.bind = "127.evil.example:9002";
  auto app = host::App::start(c);
  REQUIRE_FALSE(app.has_value());
  CHECK(app.error() == "admin.bind: expected a numeric loopback address, got \"127.evil.example:9002\"");
}
