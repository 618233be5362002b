// What the native-mode end-to-end tests share: a host config for one route over a real broker,
// starting the App in-process, bounded waits, and JT/T 808 frames read off a device socket.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "device_client.h"
#include "host/app/app.h"
#include "jt808_devices.h"  // tools/bench: JT/T 808 frames written from the protocol's layout

namespace ntest {

using namespace std::chrono_literals;

struct HostSpec {
  std::string broker;                  // "127.0.0.1:port"
  std::string codec = "line";
  std::string codec_config = "{}";     // the route's "config"
  std::string mqtt_extra;              // more keys of "mqtt", each with its leading comma
  std::string listener_extra;          // more keys of the route's "listener"
  std::string route_extra;             // more keys of the route
  std::string top_extra;               // more top-level keys
  std::filesystem::path plugins_dir;   // empty: where the build put the shipped codecs
};

std::string native_config(const HostSpec& spec);
// Starts the App (REQUIREs that it started and listens).
std::unique_ptr<exproto::host::App> start_host(const std::string& json);
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s);

// A device of the line protocol: sends a command, returns the next line it got back.
std::string ask(ltest::TcpDevice& d, const std::string& line);

// Exactly `expected` from the device within `timeout` (what came instead, for the failure message).
std::string read_bytes(ltest::TcpDevice& d, std::size_t n, std::chrono::milliseconds timeout = 5s);

// The next whole JT/T 808 frame (0x7e … 0x7e) the device gets, parsed; nullopt on timeout/close
// or a frame that does not parse.
std::optional<exproto::bench::Jt808Frame> read_jt808(ltest::TcpDevice& d, std::chrono::milliseconds timeout = 5s);

}  // namespace ntest
