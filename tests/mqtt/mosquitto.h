// A real mosquitto per test: generated config on a free loopback port in a private temp dir,
// killed and reaped when the object goes. A missing mosquitto binary fails the test (it is a
// declared test dependency, scripts/deps.sh installs it), it never skips.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mqtt_test {

struct BrokerOptions {
  bool allow_anonymous = true;
  std::string user;      // with password: a password_file made with mosquitto_passwd -c -b
  std::string password;
  // More users of the same password_file (needs `user` too).
  std::vector<std::pair<std::string, std::string>> more_users;
  std::string acl;       // contents of an acl_file, if any
  // Sessions and queued QoS 1/2 messages saved on a graceful stop and read back at start.
  bool persistence = false;
  // TLS listener instead of plain TCP.
  std::filesystem::path tls_ca, tls_cert, tls_key;
};

class Mosquitto {
 public:
  explicit Mosquitto(BrokerOptions o = {});
  ~Mosquitto();
  Mosquitto(const Mosquitto&) = delete;
  Mosquitto& operator=(const Mosquitto&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // SIGKILL: the broker vanishes without a DISCONNECT, as a crash or a cut network would.
  void kill();
  // SIGTERM, waited for: a clean shutdown (with persistence, the sessions are saved).
  void stop();
  // Starts it again on the same port with the same config (after kill, stop, or killing it now).
  void restart();
  // What mosquitto logged (log_dest file), for failure messages.
  std::string log() const;

 private:
  void start();
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A loopback port nothing listens on (bound, then released).
uint16_t free_loopback_port();

}  // namespace mqtt_test
