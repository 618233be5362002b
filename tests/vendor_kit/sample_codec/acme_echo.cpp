// The smallest useful codec: authenticates each connection with its conn id, echoes every read
// back to the device, and publishes it to "echo/<conn>".
#include <exproto/codec.hpp>

#include <memory>
#include <string>

namespace {

class EchoSession : public exproto::Session {
 public:
  EchoSession(exproto::SessionHost host, std::string_view conn) : Session(host), conn_(conn) {
    this->host().authenticate(exproto::ClientInfo{"acme-echo", "1", conn_, "", ""}, "");
  }

  exproto::Status on_bytes(std::span<const uint8_t> data) override {
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    host().send(text);
    host().publish("echo/" + conn_, 0, text);
    return exproto::kOk;
  }

 private:
  std::string conn_;
};

class EchoCodec : public exproto::Codec {
 public:
  EchoCodec(exproto::CodecContext, std::string_view /*config_json*/) {}
  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view conn,
                                         const exproto::ConnInfo&) override {
    return std::make_unique<EchoSession>(host, conn);
  }
};

}  // namespace

EXPROTO_CODEC(EchoCodec, "acme_echo", "0.1.0", "ACME Devices")
