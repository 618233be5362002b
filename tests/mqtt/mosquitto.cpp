#include "mosquitto.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "../support/loopback.h"

namespace mqtt_test {
namespace {

using test_support::loopback;

bool accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in a = loopback(port);
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

}  // namespace

uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  REQUIRE(fd >= 0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

Mosquitto::Mosquitto(BrokerOptions o) {
  REQUIRE_MESSAGE(::access(EXPROTO_MOSQUITTO, X_OK) == 0,
                  "mosquitto is not installed at " EXPROTO_MOSQUITTO " (scripts/deps.sh installs it)");
  char pattern[] = "/tmp/mqtt-test-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  dir_ = pattern;
  port_ = free_loopback_port();
  std::ofstream conf(dir_ / "mosquitto.conf");
  // `user root`: as root mosquitto would otherwise switch to the "mosquitto" user, which may not
  // exist in a build container (and could not read the temp dir).
  conf << "per_listener_settings false\n"
       << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous " << (o.allow_anonymous ? "true" : "false") << "\n"
       << (o.persistence ? "persistence true\npersistence_location " + dir_.string() + "/\n" : "persistence false\n")
       << "log_dest file " << (dir_ / "mosquitto.log").string() << "\nlog_type all\n"
       << (::getuid() == 0 ? "user root\n" : "");
  if (!o.user.empty()) {
    const auto pw = dir_ / "passwd";
    const std::string cmd = std::string(EXPROTO_MOSQUITTO_PASSWD) + " -c -b '" + pw.string() + "' '" + o.user + "' '" +
                            o.password + "' >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "mosquitto_passwd failed: " << cmd);
    for (const auto& [user, password] : o.more_users) {
      const std::string add = std::string(EXPROTO_MOSQUITTO_PASSWD) + " -b '" + pw.string() + "' '" + user + "' '" +
                              password + "' >/dev/null 2>&1";
      REQUIRE_MESSAGE(std::system(add.c_str()) == 0, "mosquitto_passwd failed: " << add);
    }
    conf << "password_file " << pw.string() << "\n";
  }
  if (!o.acl.empty()) {
    std::ofstream(dir_ / "acl") << o.acl;
    conf << "acl_file " << (dir_ / "acl").string() << "\n";
  }
  if (!o.tls_cert.empty()) {
    conf << "cafile " << o.tls_ca.string() << "\ncertfile " << o.tls_cert.string() << "\nkeyfile " << o.tls_key.string() << "\n";
  }
  conf.close();
  start();
}

void Mosquitto::start() {
  const auto conf = (dir_ / "mosquitto.conf").string();
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    // Its start-up warnings (e.g. about running as root) would clutter the test output.
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execl(EXPROTO_MOSQUITTO, EXPROTO_MOSQUITTO, "-c", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (accepts(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("mosquitto exited at start (status " << status << "): " << log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  FAIL("mosquitto did not accept on port " << port_ << ": " << log());
}

void Mosquitto::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Mosquitto::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Mosquitto::restart() {
  kill();
  start();
}

std::string Mosquitto::log() const {
  std::ifstream in(dir_ / "mosquitto.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Mosquitto::~Mosquitto() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace mqtt_test
