// Test codec for the device listeners: shows the device what the session was opened with, so a
// test can check ConnMeta end to end (socket type, addresses, client certificate names).
//   open  → Send("open <socktype> <peer host>:<peer port> <sock port> cn=<cn> dn=<dn>\n")
//   bytes → Send(the same bytes)
#include <exproto/codec.hpp>

#include <string>

namespace {

class ConnInfoSession : public exproto::Session {
 public:
  using exproto::Session::Session;
  exproto::Status on_bytes(std::span<const uint8_t> data) override {
    host().send(std::string(reinterpret_cast<const char*>(data.data()), data.size()));
    return exproto::kOk;
  }
};

const char* type_name(exproto::SocketType t) {
  switch (t) {
    case exproto::SocketType::tcp: return "tcp";
    case exproto::SocketType::ssl: return "ssl";
    case exproto::SocketType::udp: return "udp";
    default: return "other";
  }
}

class ConnInfoCodec : public exproto::Codec {
 public:
  ConnInfoCodec(exproto::CodecContext, std::string_view) {}
  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view,
                                         const exproto::ConnInfo& info) override {
    auto s = std::make_unique<ConnInfoSession>(host);
    host.send(std::string("open ") + type_name(info.socktype) + " " + std::string(info.peer_host) + ":" +
              std::to_string(info.peer_port) + " " + std::to_string(info.sock_port) + " cn=" +
              std::string(info.cert_cn) + " dn=" + std::string(info.cert_dn) + "\n");
    return s;
  }
};

}  // namespace

EXPROTO_CODEC(ConnInfoCodec, "listener-conninfo", "1.0.0", "exproto tests")
