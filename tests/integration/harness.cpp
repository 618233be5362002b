#include "harness.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace itest {

namespace devgw = exproto::devgw;
namespace host = exproto::host;

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Stack::Stack(StackSpec spec) : spec_(std::move(spec)) {
  const uint16_t handler_port = free_port();
  devgw::Options o;
  o.listeners = spec_.listeners;
  o.handler_address = "127.0.0.1:" + std::to_string(handler_port);
  o.service = spec_.service;
  o.log_level = spdlog::level::warn;
  if (spec_.tweak_gateway) spec_.tweak_gateway(o);
  gw_options_ = o;
  auto gw = devgw::Gateway::start(std::move(o));
  REQUIRE_MESSAGE(gw.has_value(), (gw ? "" : gw.error()));
  gw_ = std::move(*gw);
  for (std::size_t i = 0; i < gw_options_.listeners.size(); ++i) gw_options_.listeners[i].port = gw_->listener_port(i);
  gw_options_.adapter_bind = gw_->adapter_address();

  config_.handler.bind = "127.0.0.1:" + std::to_string(handler_port);
  config_.adapter.addresses = {gw_->adapter_address()};
  config_.plugins.dir = EXPROTO_PLUGINS_DIR;
  config_.log.level = "warn";
  for (const auto& r : spec_.routes) {
    host::Route route;
    route.listener.port = gw_->listener_port(r.listener);
    route.listener.socktype =
        spec_.listeners[r.listener].kind == devgw::SocketKind::udp ? host::SockType::udp : host::SockType::tcp;
    route.codec = r.codec;
    route.config_json = r.config_json;
    config_.routes.push_back(route);
  }
  if (spec_.tweak_host) spec_.tweak_host(config_);
  start_host();
}

void Stack::start_host() {
  auto app = host::App::start(config_);
  REQUIRE_MESSAGE(app.has_value(), (app ? "" : app.error()));
  host_ = std::move(*app);
}

void Stack::kill_gateway() { gw_->crash(); }

void Stack::restart_gateway() {
  gw_.reset();
  // The old ports may take a moment to be free again (the host is reconnecting to the adapter one).
  std::string last_error;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto gw = devgw::Gateway::start(gw_options_);
    if (gw) {
      gw_ = std::move(*gw);
      return;
    }
    last_error = gw.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the gateway did not come back on its ports: " << last_error);
}

Stack::~Stack() {
  if (gw_) gw_->stop();
  host_.reset();
  gw_.reset();
}

std::string connect_frame(const std::string& clientid, const std::string& password, int keepalive,
                          const std::string& username) {
  std::string ci = R"("proto_ver":"v0.1","proto_name":"demo")";
  if (!username.empty()) ci = R"("username":")" + username + R"(",)" + ci;
  if (keepalive != 0) ci += R"(,"keepalive":)" + std::to_string(keepalive);
  ci += R"(,"clientid":")" + clientid + '"';
  return R"({"type":1,"password":")" + password + R"(","clientinfo":{)" + ci + "}}";
}

std::string publish_frame(const std::string& topic, const std::string& payload, int qos) {
  return R"({"type":3,"topic":")" + topic + R"(","qos":)" + std::to_string(qos) + R"(,"payload":")" + payload +
         R"("})";
}

// grpc.health.v1.Health/Check with an empty service name, through the generic stub (the
// request is an empty message; SERVING is field 1 = 1, i.e. the bytes 08 01).
std::string health_check(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request;  // empty HealthCheckRequest
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lk(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return done; });
  if (!status.ok()) return "error: " + status.error_message();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}


bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool wait_records(devgw::Gateway& gw, const std::function<bool(const devgw::Records&)>& pred,
                  std::chrono::milliseconds timeout) {
  return gw.wait_for(pred, timeout);
}

}  // namespace itest
