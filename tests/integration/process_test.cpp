// The exproto-host executable itself: config errors on stderr, a real run, a clean SIGTERM stop.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "harness.h"
#include "tcp_client.h"

using namespace itest;
namespace devgw = exproto::devgw;

namespace {
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = "/tmp/exproto-itest-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << content;
  return path;
}

int run_and_wait(const std::string& config, std::string* err_out) {
  const std::string err = config + ".err";
  const std::string cmd = std::string(EXPROTO_HOST_BIN) + " --config " + config + " 2>" + err;
  const int status = std::system(cmd.c_str());
  std::ifstream in(err);
  err_out->assign(std::istreambuf_iterator<char>(in), {});
  return WEXITSTATUS(status);
}
}  // namespace

TEST_CASE("process: a config error names the key and exits 2") {
  const auto cfg = temp_file("bad.json", R"({"handler":{"bnd":"x"},"routes":[]})");
  std::string err;
  CHECK(run_and_wait(cfg, &err) == 2);
  CHECK(err.find("handler.bnd") != std::string::npos);
}

TEST_CASE("process: a route to a codec that is not loaded refuses to start") {
  const auto cfg = temp_file("missing.json", std::string(R"({"handler":{"bind":"127.0.0.1:0"},"plugins":{"dir":")") +
                                                 EXPROTO_PLUGINS_DIR +
                                                 R"("},"routes":[{"listener":{"port":7993,"socktype":"tcp"},"codec":"nope"}]})");
  std::string err;
  CHECK(run_and_wait(cfg, &err) == 1);
}

TEST_CASE("process: exproto-host serves a device, then stops cleanly on SIGTERM") {
  const uint16_t handler_port = free_port();
  devgw::Options o;
  o.listeners = {devgw::ListenerSpec{}};
  o.handler_address = "127.0.0.1:" + std::to_string(handler_port);
  o.log_level = spdlog::level::warn;
  auto gw = devgw::Gateway::start(o);
  REQUIRE(gw);
  const std::string cfg = temp_file(
      "run.json", "{\"handler\":{\"bind\":\"127.0.0.1:" + std::to_string(handler_port) +
                      "\"},\"adapter\":{\"address\":\"" + (*gw)->adapter_address() + "\"},\"plugins\":{\"dir\":\"" +
                      EXPROTO_PLUGINS_DIR + "\"},\"routes\":[{\"listener\":{\"port\":" +
                      std::to_string((*gw)->listener_port(0)) +
                      ",\"socktype\":\"tcp\"},\"codec\":\"line\",\"config\":{}}],\"log\":{\"level\":\"warn\"}}");
  Child child;
  child.pid = ::fork();
  REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
    ::execl(EXPROTO_HOST_BIN, EXPROTO_HOST_BIN, "--config", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The host is up when a device gets answers; retry while it starts.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    TcpClient dev((*gw)->listener_port(0));
    dev.write("CONNECT proc-1\n");
    auto line = dev.read_line(1s);
    served = line == "OK";
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
  ::kill(child.pid, SIGTERM);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 100 && !exited; ++i) {
    exited = ::waitpid(child.pid, &status, WNOHANG) == child.pid;
    if (!exited) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(exited);
  child.pid = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
