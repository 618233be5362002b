// The exproto-host executable's control surface: `exproto-host ctl` against a running host's
// admin endpoint, and SIGHUP re-reading the routes of the config file.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "reload_support.h"

using namespace rtest;

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

struct Ctl {
  int code = -1;
  std::string out;
};

Ctl ctl(const std::string& admin, const std::string& args) {
  const std::string cmd = std::string(EXPROTO_HOST_BIN) + " ctl --admin " + admin + " " + args + " 2>&1";
  Ctl r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string config_text(const PluginsDir& dir, uint16_t handler, uint16_t admin, const std::string& codec_config) {
  return "{\"handler\":{\"bind\":\"127.0.0.1:" + std::to_string(handler) + "\"},\"plugins\":{\"dir\":\"" +
         dir.path().string() + "\"},\"routes\":[{\"listener\":{\"port\":7993,\"socktype\":\"tcp\"},\"codec\":\"counter\"," +
         "\"config\":" + codec_config + "}],\"admin\":{\"bind\":\"127.0.0.1:" + std::to_string(admin) +
         "\"},\"log\":{\"level\":\"info\"}}";
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("process: exproto-host ctl status/reload/rollback/metrics, and SIGHUP re-reads routes") {
  PluginsDir dir;
  const uint16_t handler = itest::free_port();
  const uint16_t admin_port = itest::free_port();
  const std::string admin = "127.0.0.1:" + std::to_string(admin_port);
  const auto cfg = dir.path() / "host.json";  // not a .so: the watcher ignores it
  const auto log = dir.path() / "host.log";
  std::ofstream(cfg) << config_text(dir, handler, admin_port, "{}");

  Child child;
  child.pid = ::fork();
  REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
    const std::string cmd = std::string(EXPROTO_HOST_BIN) + " --config " + cfg.string() + " >" + log.string() + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  Ctl st;
  REQUIRE(itest::wait_until([&] { return (st = ctl(admin, "status")).code == 0; }, 10s));
  CHECK(st.out.find("codec counter") != std::string::npos);
  CHECK(st.out.find("generation 1  current") != std::string::npos);
  CHECK(st.out.find("1.0.0 (Reload Fixtures)") != std::string::npos);

  const auto js = ctl(admin, "--json status");
  REQUIRE(js.code == 0);
  const auto doc = nlohmann::json::parse(js.out);
  REQUIRE(doc["codecs"].size() == 1);
  CHECK(doc["codecs"][0]["name"] == "counter");
  CHECK(doc["codecs"][0]["generations"][0]["state"] == "current");
  CHECK(doc["codecs"][0]["generations"][0]["version"] == "1.0.0");
  CHECK(doc["codecs"][0]["generations"][0]["migratable"] == true);

  auto r = ctl(admin, "reload counter");
  CHECK(r.code == 0);
  CHECK(r.out.find("unchanged") != std::string::npos);
  r = ctl(admin, "rollback counter");
  CHECK(r.code == 1);
  CHECK(r.out.find("no earlier generation") != std::string::npos);
  r = ctl(admin, "metrics");
  CHECK(r.code == 0);
  CHECK(r.out.find("exproto_codec_loads_total 1") != std::string::npos);
  CHECK(ctl(admin, "frobnicate").code == 2);
  CHECK(ctl("127.0.0.1:1", "status").code == 3);

  std::ofstream(cfg) << config_text(dir, handler, admin_port, R"({"changed":true})");
  ::kill(child.pid, SIGHUP);
  CHECK(itest::wait_until([&] { return read_file(log).find("SIGHUP: routes applied: 0 unchanged, 1 new or changed") != std::string::npos; }));
  CHECK(ctl(admin, "status").code == 0);  // still serving

  ::kill(child.pid, SIGTERM);
  int status = 0;
  REQUIRE(itest::wait_until([&] { return ::waitpid(child.pid, &status, WNOHANG) == child.pid; }, 10s));
  child.pid = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
