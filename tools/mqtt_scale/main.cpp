// exproto-mqtt-scale: what does one idle MQTT client connection cost? Starts a throwaway
// mosquitto, opens --clients connections split over --procs processes (one process may hold only
// RLIMIT_NOFILE's hard limit of fds), and prints per-client process memory, fds and kernel memory.
//
//   exproto-mqtt-scale --impl mosquitto|asio --clients 10000 [--procs 2] [--keepalive 10]
//                      [--hold 12] [--publish 0] [--broker /usr/sbin/mosquitto]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "fleet.h"
#include "proc_stats.h"
#include "scale_broker.h"

namespace mqtt_scale {
namespace {

struct Options {
  std::string impl = "asio";
  std::string broker = "/usr/sbin/mosquitto";
  int procs = 1;
  FleetOptions fleet;
};

// What one child sends back through its pipe (same binary on both ends, so a plain struct).
struct ChildReport {
  FleetResult result;
  ProcSample before, after;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "exproto-mqtt-scale: %s\nusage: exproto-mqtt-scale --impl mosquitto|asio --clients N "
               "[--procs P] [--keepalive S] [--hold S] [--publish K] [--broker PATH]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--impl") o.impl = v;
    else if (a == "--broker") o.broker = v;
    else if (a == "--clients") o.fleet.clients = std::atoi(v);
    else if (a == "--procs") o.procs = std::atoi(v);
    else if (a == "--keepalive") o.fleet.keepalive_s = std::atoi(v);
    else if (a == "--hold") o.fleet.hold_s = std::atoi(v);
    else if (a == "--publish") o.fleet.publish_each = std::atoi(v);
    else usage("unknown option");
  }
  if (o.impl != "asio" && o.impl != "mosquitto") usage("--impl must be mosquitto or asio");
  // libmosquitto refuses a keepalive below 5 s (EINVAL from connect).
  if (o.fleet.keepalive_s < 5) usage("--keepalive must be at least 5");
  if (o.fleet.clients < 1 || o.procs < 1 || o.procs > o.fleet.clients) usage("bad --clients/--procs");
  return o;
}

void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

bool write_all(int fd, const void* p, std::size_t n) {
  return ::write(fd, p, n) == static_cast<ssize_t>(n);  // small structs: a pipe write is atomic
}

// Child: opens its share, reports while the connections are open, then waits for the parent to
// finish its kernel sample (EOF on `go`) before closing them.
[[noreturn]] void child(const Options& o, FleetOptions share, int report_fd, int go_fd) {
  ChildReport rep;
  rep.before = sample_process(0);
  auto measure = [&] {
    rep.after = sample_process(0);
    write_all(report_fd, &rep, sizeof rep);  // result filled below; re-sent after return
    char c;
    while (::read(go_fd, &c, 1) > 0) {
    }
  };
  rep.result = o.impl == "asio" ? run_asio_fleet(share, [&] {
    measure();
  }) : run_mosquitto_fleet(share, [&] { measure(); });
  write_all(report_fd, &rep, sizeof rep);
  std::_Exit(0);
}

int run(const Options& o) {
  raise_fd_limit();
  ScaleBroker broker(o.broker);
  const KernelSample k0 = sample_kernel();
  const ProcSample b0 = sample_process(broker.pid());
  struct Kid { pid_t pid; int report; int go; };
  std::vector<Kid> kids;
  for (int p = 0; p < o.procs; ++p) {
    FleetOptions share = o.fleet;
    share.port = broker.port();
    share.first_index = p * (o.fleet.clients / o.procs);
    share.clients = p + 1 == o.procs ? o.fleet.clients - share.first_index : o.fleet.clients / o.procs;
    int rep[2], go[2];
    if (::pipe(rep) != 0 || ::pipe(go) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(rep[0]);
      ::close(go[1]);
      // Earlier children's pipe ends came along with fork: holding their `go` write end would
      // keep them from ever seeing EOF.
      for (const Kid& k : kids) {
        ::close(k.report);
        ::close(k.go);
      }
      child(o, share, rep[1], go[0]);
    }
    ::close(rep[1]);
    ::close(go[0]);
    kids.push_back({pid, rep[0], go[1]});
  }
  // First report of every child: its connections are open now.
  std::vector<ChildReport> first(kids.size());
  for (std::size_t i = 0; i < kids.size(); ++i) {
    if (::read(kids[i].report, &first[i], sizeof(ChildReport)) != sizeof(ChildReport)) {
      throw std::runtime_error("a child died before reporting");
    }
  }
  const KernelSample k1 = sample_kernel();
  const ProcSample b1 = sample_process(broker.pid());
  FleetResult total;
  total.pings_answered = 0;
  int64_t rss = 0, fds = 0;
  for (std::size_t i = 0; i < kids.size(); ++i) {
    ::close(kids[i].go);
    ChildReport final_rep{};
    if (::read(kids[i].report, &final_rep, sizeof final_rep) != sizeof final_rep) final_rep = first[i];
    ::close(kids[i].report);
    ::waitpid(kids[i].pid, nullptr, 0);
    total.connected += final_rep.result.connected;
    total.failed += final_rep.result.failed;
    total.dropped += final_rep.result.dropped;
    if (final_rep.result.pings_answered < 0) total.pings_answered = -1;
    else if (total.pings_answered >= 0) total.pings_answered += final_rep.result.pings_answered;
    rss += first[i].after.rss_kib - first[i].before.rss_kib;
    fds += first[i].after.fds - first[i].before.fds;
  }
  const double n = o.fleet.clients;
  std::printf("impl=%s clients=%d procs=%d publish_each=%d connected=%d failed=%d dropped=%d pings_answered=%lld\n",
              o.impl.c_str(), o.fleet.clients, o.procs, o.fleet.publish_each, total.connected, total.failed,
              total.dropped, static_cast<long long>(total.pings_answered));
  std::printf("  client process: %.2f KiB RSS/client, %.2f fds/client\n", rss / n, fds / n);
  std::printf("  kernel (both ends, system-wide Slab): %.2f KiB/client; TCP buffer pages now %lld (was %lld)\n",
              (k1.slab_kib - k0.slab_kib) / n, static_cast<long long>(k1.tcp_mem_pages),
              static_cast<long long>(k0.tcp_mem_pages));
  std::printf("  broker: %.2f KiB RSS/client\n", (b1.rss_kib - b0.rss_kib) / n);
  return total.connected == o.fleet.clients && total.dropped == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mqtt_scale

int main(int argc, char** argv) {
  try {
    return mqtt_scale::run(mqtt_scale::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exproto-mqtt-scale: %s\n", e.what());
    return 1;
  }
}
