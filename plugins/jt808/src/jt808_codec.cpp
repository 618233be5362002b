// The jt808 codec instance: holds the validated route config and opens sessions.
#include "config.hpp"
#include "session.hpp"

#include <exproto/codec.hpp>

#include <memory>

namespace jt808 {

class Jt808Codec final : public exproto::Codec {
 public:
  Jt808Codec(exproto::CodecContext context, std::string_view config_json) : config_(parse_config(config_json)) {
    context.log(exproto::LogLevel::info, "jt808 ready (up_topic=" + config_.up_topic.text() +
                                             ", dn_topic=" + config_.dn_topic.text() +
                                             ", keepalive=" + std::to_string(config_.keepalive_s) + "s)");
  }

  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view /*conn*/,
                                         const exproto::ConnInfo& /*info*/) override {
    return std::make_unique<Jt808Session>(host, config_);
  }

  // Hot reload: continues a session an earlier generation exported (session_migration.cpp).
  std::unique_ptr<exproto::Session> import_session(exproto::SessionHost host, std::string_view /*conn*/,
                                                   const exproto::ConnInfo& /*info*/, std::string_view state) {
    return Jt808Session::import(host, config_, state);
  }

 private:
  const Config config_;
};

}  // namespace jt808

EXPROTO_CODEC(jt808::Jt808Codec, "jt808", "1.1.0", "exproto-host")
