#include "mqtt_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace ntest {
namespace {

void put_u16(std::string& out, unsigned v) {
  out.push_back(static_cast<char>(v >> 8 & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}
void put_str(std::string& out, const std::string& s) {
  put_u16(out, static_cast<unsigned>(s.size()));
  out += s;
}
unsigned u16_at(const std::string& s, std::size_t i) {
  return static_cast<unsigned>(static_cast<unsigned char>(s[i]) << 8 | static_cast<unsigned char>(s[i + 1]));
}
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count()) + 1;
}

// A PUBLISH body (fixed header's flags apart): topic, packet id when QoS > 0, payload.
ProbeMessage parse_publish(uint8_t header, const std::string& body, uint16_t& id) {
  ProbeMessage m;
  m.qos = header >> 1 & 3;
  const unsigned topic_len = u16_at(body, 0);
  m.topic = body.substr(2, topic_len);
  std::size_t at = 2 + topic_len;
  id = 0;
  if (m.qos > 0) {
    id = static_cast<uint16_t>(u16_at(body, at));
    at += 2;
  }
  m.payload = body.substr(at);
  return m;
}

}  // namespace

MqttProbe::MqttProbe(uint16_t port, Options o) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return;
  std::string body;
  put_str(body, "MQTT");
  body.push_back(4);  // 3.1.1
  uint8_t flags = o.clean_session ? 0x02 : 0x00;
  if (!o.username.empty()) flags |= 0xC0;  // username and password
  body.push_back(static_cast<char>(flags));
  put_u16(body, 60);
  put_str(body, o.clientid);
  if (!o.username.empty()) {
    put_str(body, o.username);
    put_str(body, o.password);
  }
  if (!write_packet(0x10, body)) return;
  auto p = read_packet(5s);
  if (!p || p->first != 0x20 || p->second.size() != 2) return;
  session_present_ = (p->second[0] & 1) != 0;
  connack_ = static_cast<unsigned char>(p->second[1]);
}

MqttProbe::~MqttProbe() {
  if (fd_ < 0) return;
  write_packet(0xE0, "");  // DISCONNECT: no will, the session (if kept) stays
  ::close(fd_);
}

int MqttProbe::subscribe(const std::string& filter, int qos) {
  const uint16_t id = next_id_++;
  std::string body;
  put_u16(body, id);
  put_str(body, filter);
  body.push_back(static_cast<char>(qos));
  if (!write_packet(0x82, body)) return -1;
  const auto ack = await_ack(0x90, id);
  return ack && ack->size() == 3 ? static_cast<unsigned char>((*ack)[2]) : -1;
}

bool MqttProbe::publish(const std::string& topic, const std::string& payload, int qos) {
  std::string body;
  put_str(body, topic);
  const uint16_t id = qos > 0 ? next_id_++ : 0;
  if (qos > 0) put_u16(body, id);
  body += payload;
  if (!write_packet(static_cast<uint8_t>(0x30 | qos << 1), body)) return false;
  return qos == 0 || await_ack(0x40, id).has_value();
}

std::optional<std::string> MqttProbe::await_ack(uint8_t type, uint16_t id) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (auto p = read_packet(std::chrono::milliseconds(remaining_ms(deadline)))) {
    if ((p->first & 0xF0) == 0x30) {
      publishes_.push_back(std::move(*p));
    } else if (p->first == type && p->second.size() >= 2 && u16_at(p->second, 0) == id) {
      return std::move(p->second);
    }
  }
  return std::nullopt;
}

std::optional<ProbeMessage> MqttProbe::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::optional<std::pair<uint8_t, std::string>> p;
    if (!publishes_.empty()) {
      p = std::move(publishes_.front());
      publishes_.pop_front();
    } else {
      p = read_packet(std::chrono::milliseconds(remaining_ms(deadline)));
    }
    if (!p) return std::nullopt;
    if ((p->first & 0xF0) != 0x30) continue;
    uint16_t id = 0;
    ProbeMessage m = parse_publish(p->first, p->second, id);
    if (m.qos == 1) {
      std::string ack;
      put_u16(ack, id);
      write_packet(0x40, ack);
    }
    return m;
  }
}

bool MqttProbe::write_packet(uint8_t header, const std::string& body) {
  std::string out(1, static_cast<char>(header));
  std::size_t len = body.size();
  do {  // remaining length: 7 bits a byte, high bit = more
    uint8_t b = len % 128;
    len /= 128;
    if (len > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (len > 0);
  out += body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool MqttProbe::read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  while (out.size() < n) {
    if (!held_.empty()) {
      const std::size_t take = std::min(n - out.size(), held_.size());
      out += held_.substr(0, take);
      held_.erase(0, take);
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) return false;
    char buf[4096];
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got <= 0) return false;
    held_.append(buf, static_cast<std::size_t>(got));
  }
  return true;
}

std::optional<std::pair<uint8_t, std::string>> MqttProbe::read_packet(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string head;
  if (!read_exact(head, 1, deadline)) return std::nullopt;
  std::size_t len = 0, shift = 0;
  for (;;) {
    std::string b;
    if (!read_exact(b, 1, deadline)) return std::nullopt;
    const auto v = static_cast<unsigned char>(b[0]);
    len |= static_cast<std::size_t>(v & 0x7f) << shift;
    shift += 7;
    if ((v & 0x80) == 0) break;
  }
  std::string body;
  if (!read_exact(body, len, deadline)) return std::nullopt;
  return std::make_pair(static_cast<uint8_t>(head[0]), std::move(body));
}

}  // namespace ntest
