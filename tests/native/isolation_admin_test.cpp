// Native mode keeps what exproto mode offers operators: a route isolated in a codec-runner child
// (its crash closes only its devices, the child comes back, new devices are served) and the admin
// endpoint (`exproto-host ctl status`) reporting the codec and its sessions.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "admin.grpc.pb.h"
#include "device_client.h"
#include "host/app/app.h"
#include "mosquitto.h"
#include "native_support.h"

namespace {

using namespace std::chrono_literals;
namespace pb = exproto::admin::v1;

// The codec-runner child of this process, if one runs: /proc/self/task/*/children names the
// children each thread made.
std::optional<pid_t> runner_child() {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream children(task.path() / "children");
    pid_t pid = 0;
    while (children >> pid) {
      std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
      const std::string args((std::istreambuf_iterator<char>(cmdline)), {});
      if (args.find("codec-runner") != std::string::npos) return pid;
    }
  }
  return std::nullopt;
}

using ntest::ask;

}  // namespace

TEST_CASE("native mode: an isolated route and the admin endpoint work as in exproto mode") {
  mqtt_test::Mosquitto broker;
  const uint16_t admin_port = mqtt_test::free_loopback_port();
  auto app = ntest::start_host(ntest::native_config(
      {.broker = broker.address(),
       .route_extra = R"(, "isolation": "process")",
       .top_extra = R"(, "isolation": {"runner": ")" + std::string(EXPROTO_HOST_BIN) +
                    R"(", "restart_backoff_ms": 50}, "admin": {"bind": "127.0.0.1:)" + std::to_string(admin_port) +
                    R"("})"}));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  REQUIRE(ntest::wait_until([] { return runner_child().has_value(); }));
  const pid_t child = *runner_child();

  // The codec runs in the child; its calls reach the broker and deliveries reach it back.
  ltest::TcpDevice a(port), b(port);
  CHECK(ask(a, "CONNECT iso-a") == "OK");
  CHECK(ask(b, "CONNECT iso-b") == "OK");
  CHECK(ask(b, "SUB t/iso 1") == "OK");
  CHECK(ask(a, "PUB t/iso through the child") == "OK");
  CHECK(b.read_line() == "MSG t/iso through the child");

  auto stub = pb::Admin::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(admin_port), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext ctx;
    pb::StatusReply st;
    REQUIRE(stub->Status(&ctx, pb::StatusRequest{}, &st).ok());
    CHECK(st.sessions() == 2);
    CHECK(st.adapter_size() == 0);  // no EMQX in native mode
    const pb::Codec* line = nullptr;  // the plugins folder has every shipped codec
    for (const auto& c : st.codecs())
      if (c.name() == "line") line = &c;
    REQUIRE(line != nullptr);
    REQUIRE(line->generations_size() == 1);
    CHECK(line->generations(0).sessions() == 2);
    CHECK(line->generations(0).state() == "current");
  }

  // The vendor's code crashes: its devices are closed (their MQTT sessions end), the host lives on,
  // a new child serves the devices that come back.
  REQUIRE(::kill(child, SIGKILL) == 0);
  CHECK(a.read_until_closed().has_value());
  CHECK(b.read_until_closed().has_value());
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
  CHECK(ntest::wait_until([&] {
    const std::string log = broker.log();
    return log.find("Client dev-iso-a disconnected") != std::string::npos &&
           log.find("Client dev-iso-b disconnected") != std::string::npos;
  }));
  REQUIRE(ntest::wait_until([&] { return runner_child().has_value() && *runner_child() != child; }));
  std::string reply;
  for (int i = 0; i < 50 && reply != "OK"; ++i) {
    ltest::TcpDevice again(port);
    reply = ask(again, "CONNECT iso-a");
    if (reply == "OK") CHECK(ask(again, "PUB t/iso back") == "OK");
    else std::this_thread::sleep_for(100ms);
  }
  CHECK(reply == "OK");
}
