#include "native_support.h"

#include <doctest/doctest.h>

#include <thread>

#include "host/config/config.h"
#include "mosquitto.h"

namespace ntest {

std::string native_config(const HostSpec& s) {
  const std::string plugins =
      s.plugins_dir.empty() ? std::filesystem::path(LINE_SO).parent_path().string() : s.plugins_dir.string();
  return R"({"mode": "native",
    "mqtt": {"server": ")" + s.broker + R"(", "clientid_prefix": "dev-", "connect_timeout_ms": 3000)" + s.mqtt_extra +
         R"(},
    "plugins": {"dir": ")" + plugins + R"(", "debounce_ms": 100},
    "routes": [{"listener": {"bind": "127.0.0.1:)" + std::to_string(mqtt_test::free_loopback_port()) +
         R"(", "socktype": "tcp")" + s.listener_extra + R"(}, "codec": ")" + s.codec + R"(", "config": )" +
         s.codec_config + s.route_extra + R"(}],
    "log": {"level": "warn"})" + s.top_extra + "}";
}

std::unique_ptr<exproto::host::App> start_host(const std::string& json) {
  auto config = exproto::host::parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error()));
  auto app = exproto::host::App::start(*config);
  REQUIRE_MESSAGE(app.has_value(), (app ? "" : app.error()));
  REQUIRE((*app)->listener_port(0) != 0);
  return std::move(*app);
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

std::string ask(ltest::TcpDevice& d, const std::string& line) {
  REQUIRE(d.send(line + "\n"));
  return d.read_line().value_or("<nothing>");
}

std::string read_bytes(ltest::TcpDevice& d, std::size_t n, std::chrono::milliseconds timeout) {
  return d.read_exact(n, timeout).value_or("<nothing>");
}

std::optional<exproto::bench::Jt808Frame> read_jt808(ltest::TcpDevice& d, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string frame;
  while (frame.size() < 2 || frame.back() != '\x7e') {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto byte = d.read_exact(1, left);
    if (!byte) return std::nullopt;
    if (frame.empty() && *byte != "\x7e") continue;  // bytes between frames
    frame += *byte;
  }
  return exproto::bench::read_jt808_frame(frame);
}

}  // namespace ntest
