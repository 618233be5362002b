#include "net_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace devgw_test {

bool connect_refused(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

std::size_t established_on(std::uint16_t port) {
  auto port_of = [](const std::string& address) {
    const auto colon = address.find(':');
    return colon == std::string::npos ? 0ul : std::stoul(address.substr(colon + 1), nullptr, 16);
  };
  std::size_t count = 0;
  // gRPC opens dual-stack sockets: its IPv4 loopback connections are listed in tcp6.
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream table(file);
    std::string line;
    std::getline(table, line);  // header
    // "  0: 0100007F:1F90 0100007F:D2A4 01 …": local, remote (hex IP:port), state (01 = ESTABLISHED)
    while (std::getline(table, line)) {
      std::istringstream in(line);
      std::string slot, local, remote, state;
      in >> slot >> local >> remote >> state;
      if (state == "01" && (port_of(local) == port || port_of(remote) == port)) ++count;
    }
  }
  return count;
}

}  // namespace devgw_test
