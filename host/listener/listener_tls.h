// The TLS context of one ssl listener, kept current: every tls.refresh_s its files are read
// again and, when their content changed and the new set is valid, a new context serves the
// connections accepted from then on (established ones keep theirs), as the handler port's
// certificates rotate without a restart. A bad new set is logged once and the last good one
// kept.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

class ListenerTls : public std::enable_shared_from_this<ListenerTls> {
 public:
  // `key` names the config key in messages: "routes[0].listener.tls".
  static std::expected<std::shared_ptr<ListenerTls>, std::string> create(HandlerTls tls, std::string key);

  // Any thread: the context new connections use.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Checks every tls.refresh_s on `io`'s thread until stop() (0: never).
  void watch(boost::asio::io_context& io);
  // On the watching thread (or before watch): no more checks.
  void stop();
  // Reads the files; a changed valid set becomes current. Returns whether the context changed.
  bool check();

  ListenerTls(HandlerTls tls, std::string key, std::shared_ptr<boost::asio::ssl::context> ctx, std::string content);

 private:
  void schedule();
  std::string read_content() const;

  const HandlerTls tls_;
  const std::string key_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
  std::string content_;   // of the files the current context was made from
  std::string reported_;  // the problem last logged, so a bad file is reported once
  std::optional<boost::asio::steady_timer> timer_;
};

}  // namespace exproto::host
