// libmosquitto driven the way native mode would drive it: one epoll loop owns every client, and
// calls mosquitto_loop_read/loop_write/loop_misc itself; mosquitto_loop (select-based, fails past
// fd 1023) and the library's own thread are never used.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "fleet.h"

namespace mqtt_scale {
namespace {

using Clock = std::chrono::steady_clock;

struct LibGuard {
  LibGuard() { mosquitto_lib_init(); }
  ~LibGuard() { mosquitto_lib_cleanup(); }
};

struct MosqDelete {
  void operator()(mosquitto* m) const { mosquitto_destroy(m); }
};

struct FdClose {
  int fd;
  ~FdClose() { if (fd >= 0) ::close(fd); }
};

struct Client {
  std::unique_ptr<mosquitto, MosqDelete> handle;
  int fd = -1;
  bool connected = false;
  bool dead = false;
  bool out_armed = false;
  FleetResult* result = nullptr;
};

void on_connect(mosquitto*, void* obj, int rc) {
  auto* c = static_cast<Client*>(obj);
  if (rc == 0) {
    c->connected = true;
    ++c->result->connected;
  } else {
    c->dead = true;
    ++c->result->failed;
  }
}

void on_disconnect(mosquitto*, void* obj, int) {
  auto* c = static_cast<Client*>(obj);
  if (c->connected && !c->dead) ++c->result->dropped;
  c->dead = true;
}

class MosqLoop {
 public:
  MosqLoop(const FleetOptions& o, FleetResult& r) : o_(o), r_(r), ep_{::epoll_create1(EPOLL_CLOEXEC)} {
    if (ep_.fd < 0) throw std::runtime_error("epoll_create1 failed");
    clients_.reserve(o.clients);
  }

  void start(int i) {
    auto& c = clients_.emplace_back(std::make_unique<Client>());
    c->result = &r_;
    const std::string id = client_id(o_.first_index + i);
    c->handle.reset(mosquitto_new(id.c_str(), true, c.get()));
    if (!c->handle) throw std::runtime_error("mosquitto_new failed");
    mosquitto* m = c->handle.get();
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_disconnect_callback_set(m, on_disconnect);
    const std::string src = source_address(o_.first_index + i);
    if (const int rc = mosquitto_connect_bind_async(m, "127.0.0.1", o_.port, o_.keepalive_s, src.c_str());
        rc != MOSQ_ERR_SUCCESS) {
      if (r_.failed == 0) std::fprintf(stderr, "mosquitto_connect_bind_async: %s\n", mosquitto_strerror(rc));
      c->dead = true;
      ++r_.failed;
      return;
    }
    c->fd = mosquitto_socket(m);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = c.get();
    c->out_armed = true;
    ::epoll_ctl(ep_.fd, EPOLL_CTL_ADD, c->fd, &ev);
  }

  // Waits up to `timeout_ms` for socket events and serves them.
  void poll(int timeout_ms) {
    epoll_event events[256];
    const int n = ::epoll_wait(ep_.fd, events, 256, timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Client*>(events[i].data.ptr);
      if (c->dead) continue;
      mosquitto* m = c->handle.get();
      int rc = MOSQ_ERR_SUCCESS;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) rc = mosquitto_loop_read(m, 1);
      if (rc == MOSQ_ERR_SUCCESS && (events[i].events & EPOLLOUT)) rc = mosquitto_loop_write(m, 1);
      settle(*c, rc);
    }
  }

  // Keepalive bookkeeping (PINGREQ when due) for every live client; once a second is enough.
  void misc() {
    for (auto& c : clients_) {
      if (!c->dead) settle(*c, mosquitto_loop_misc(c->handle.get()));
    }
  }

  void publish_all(int each) {
    for (auto& c : clients_) {
      for (int k = 0; k < each && !c->dead && c->connected; ++k) {
        settle(*c, mosquitto_publish(c->handle.get(), nullptr, "scale/t", 4, "ping", 0, false));
      }
    }
  }

  int started() const { return static_cast<int>(clients_.size()); }

 private:
  // After any call into the library: a failed client leaves the loop; otherwise EPOLLOUT is armed
  // exactly while the library has bytes it could not write.
  void settle(Client& c, int rc) {
    if (c.dead) return;
    if (rc != MOSQ_ERR_SUCCESS) {
      if (!c.connected) ++r_.failed;
      else ++r_.dropped;
      c.dead = true;
      if (c.fd >= 0) ::epoll_ctl(ep_.fd, EPOLL_CTL_DEL, c.fd, nullptr);
      return;
    }
    const bool want = mosquitto_want_write(c.handle.get());
    if (want == c.out_armed) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.ptr = &c;
    ::epoll_ctl(ep_.fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.out_armed = want;
  }

  const FleetOptions& o_;
  FleetResult& r_;
  FdClose ep_;
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace

FleetResult run_mosquitto_fleet(const FleetOptions& o, const std::function<void()>& measure) {
  LibGuard lib;
  FleetResult r;
  MosqLoop loop(o, r);
  const auto connect_deadline = Clock::now() + std::chrono::seconds(120);
  auto next_misc = Clock::now() + std::chrono::seconds(1);
  while (r.connected + r.failed < o.clients && Clock::now() < connect_deadline) {
    while (loop.started() < o.clients && loop.started() - r.connected - r.failed < o.max_connecting) {
      loop.start(loop.started());
    }
    loop.poll(100);
    if (Clock::now() >= next_misc) {
      loop.misc();
      next_misc += std::chrono::seconds(1);
    }
  }
  loop.publish_all(o.publish_each);
  const auto hold_end = Clock::now() + std::chrono::seconds(o.hold_s);
  while (Clock::now() < hold_end) {
    loop.poll(100);
    if (Clock::now() >= next_misc) {
      loop.misc();
      next_misc += std::chrono::seconds(1);
    }
  }
  measure();
  return r;
}

}  // namespace mqtt_scale
