#include "fleet.h"

#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>

#include <array>
#include <vector>

namespace exproto::recovery {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::string_view kConnackOk = R"({"type":2,"code":0})";

std::string connect_frame(const std::string& clientid) {
  return R"({"type":1,"password":"pw","clientinfo":{"proto_ver":"v0.1","proto_name":"demo","clientid":")" +
         clientid + R"("}})";
}
}  // namespace

struct Fleet::Impl {
  struct Device {
    explicit Device(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string out;
    std::array<char, 64> in{};
    std::size_t got = 0;
    bool done = false;
    bool ok = false;
  };
  asio::io_context io;
  std::vector<std::unique_ptr<Device>> devices;
  std::size_t finished = 0;

  void finish(Device& d, bool ok) {
    if (d.done) return;
    d.done = true;
    d.ok = ok;
    ++finished;
  }

  void read_ack(Device& d) {
    d.socket.async_read_some(asio::buffer(d.in.data() + d.got, d.in.size() - d.got),
                             [this, &d](boost::system::error_code ec, std::size_t n) {
                               if (ec) return finish(d, false);
                               d.got += n;
                               if (d.got < kConnackOk.size()) return read_ack(d);
                               finish(d, std::string_view(d.in.data(), kConnackOk.size()) == kConnackOk);
                             });
  }
};

Fleet::Fleet(std::size_t devices) : impl_(std::make_unique<Impl>()) {
  for (std::size_t i = 0; i < devices; ++i) impl_->devices.push_back(std::make_unique<Impl::Device>(impl_->io));
}

Fleet::~Fleet() { close_all(); }

void Fleet::close_all() {
  for (auto& d : impl_->devices) {
    boost::system::error_code ec;
    d->socket.close(ec);
  }
  impl_->io.restart();
  impl_->io.poll();
}

Fleet::Outcome Fleet::connect_all(uint16_t port, const std::string& prefix, std::chrono::milliseconds timeout) {
  close_all();
  auto& impl = *impl_;
  impl.finished = 0;
  impl.io.restart();
  const tcp::endpoint target(asio::ip::address_v4::loopback(), port);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < impl.devices.size(); ++i) {
    auto& d = *impl.devices[i];
    d = Impl::Device(impl.io);
    d.out = connect_frame(prefix + std::to_string(i));
    d.socket.async_connect(target, [&impl, &d](boost::system::error_code ec) {
      if (ec) return impl.finish(d, false);
      asio::async_write(d.socket, asio::buffer(d.out), [&impl, &d](boost::system::error_code wec, std::size_t) {
        if (wec) return impl.finish(d, false);
        impl.read_ack(d);
      });
    });
  }
  asio::steady_timer deadline(impl.io, timeout);
  deadline.async_wait([&impl](boost::system::error_code) { impl.io.stop(); });
  while (impl.finished < impl.devices.size() && !impl.io.stopped()) impl.io.run_one();
  Outcome out;
  out.elapsed = std::chrono::steady_clock::now() - start;
  for (auto& d : impl.devices) (d->ok ? out.connected : out.failed) += 1;
  deadline.cancel();
  impl.io.restart();
  impl.io.poll();
  return out;
}

std::size_t Fleet::wait_all_closed(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  impl.io.restart();
  std::size_t closed = 0;
  std::vector<std::array<char, 256>> bufs(impl.devices.size());
  for (std::size_t i = 0; i < impl.devices.size(); ++i) {
    auto& d = *impl.devices[i];
    if (!d.socket.is_open()) {
      ++closed;
      continue;
    }
    // Reads until EOF or an error; anything read is discarded.
    auto read = std::make_shared<std::function<void()>>();
    *read = [&d, &closed, buf = &bufs[i], read]() {
      d.socket.async_read_some(asio::buffer(*buf), [&closed, read](boost::system::error_code ec, std::size_t) {
        if (ec) {
          ++closed;
          *read = nullptr;  // breaks the cycle
          return;
        }
        (*read)();
      });
    };
    (*read)();
  }
  asio::steady_timer deadline(impl.io, timeout);
  deadline.async_wait([&impl](boost::system::error_code) { impl.io.stop(); });
  while (closed < impl.devices.size() && !impl.io.stopped()) impl.io.run_one();
  deadline.cancel();
  close_all();
  return closed;
}

}  // namespace exproto::recovery
