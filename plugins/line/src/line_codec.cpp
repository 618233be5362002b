// The line codec instance: holds the validated route config and opens sessions.
#include "config.hpp"
#include "line_session.hpp"

#include <exproto/codec.hpp>

#include <memory>

namespace line {

class LineCodec final : public exproto::Codec {
 public:
  LineCodec(exproto::CodecContext context, std::string_view config_json) : config_(parse_config(config_json)) {
    context.log(exproto::LogLevel::info, "line ready (keepalive=" + std::to_string(config_.keepalive_s) +
                                             "s, max_line_bytes=" + std::to_string(config_.max_line_bytes) +
                                             ", default_qos=" + std::to_string(config_.default_qos) + ")");
  }

  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view /*conn*/,
                                         const exproto::ConnInfo& info) override {
    return std::make_unique<LineSession>(host, config_, is_datagram(info));
  }

  // Hot reload: continues a session an earlier generation exported (session_migration.cpp).
  std::unique_ptr<exproto::Session> import_session(exproto::SessionHost host, std::string_view /*conn*/,
                                                   const exproto::ConnInfo& info, std::string_view state) {
    return LineSession::import(host, config_, is_datagram(info), state);
  }

 private:
  static bool is_datagram(const exproto::ConnInfo& info) {
    return info.socktype == exproto::SocketType::udp || info.socktype == exproto::SocketType::dtls;
  }

  const Config config_;
};

}  // namespace line

EXPROTO_CODEC(line::LineCodec, "line", "1.1.0", "exproto-host")
