// The gateway's brain on the I/O thread: the conn table, ConnectionAdapter semantics (EMQX's
// emqx_exproto_gsvr + the parts of the channel that answer calls), authn/authz and the broker.
// Everything here runs on the I/O thread only, except live().
#pragma once

#include "broker.hpp"
#include "call_result.hpp"
#include "devgw/options.hpp"
#include "event.hpp"
#include "journal.hpp"
#include "transport.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace exproto::devgw {

class Connection;

/// AuthenticateRequest.clientinfo.
struct ClientInfo {
  std::string proto_name;
  std::string proto_ver;
  std::string clientid;
  std::string username;
  std::string mountpoint;
};

class GatewayCore {
 public:
  GatewayCore(boost::asio::io_context& io, const Options& options, Journal& journal, spdlog::logger& log,
              HandlerDispatcher& handler, std::uint32_t creation);
  ~GatewayCore();

  /// A new device socket (TCP accept) or peer (first UDP datagram): one conn process.
  void open_connection(std::shared_ptr<Transport> transport);

  // ConnectionAdapter calls; each one is recorded and logged with its result.
  CallResult send(const std::string& conn, std::string bytes);
  CallResult close(const std::string& conn);
  CallResult authenticate(const std::string& conn, const std::optional<ClientInfo>& info,
                          const std::string& password);
  CallResult start_timer(const std::string& conn, int type, std::uint32_t interval);
  CallResult publish(const std::string& conn, const std::string& topic, std::uint32_t qos, std::string payload);
  CallResult subscribe(const std::string& conn, const std::string& topic, std::uint32_t qos);
  CallResult unsubscribe(const std::string& conn, const std::string& topic);
  CallResult raw_publish(const std::string& topic, std::uint32_t qos, std::string payload);

  /// A call cancelled (by its client, or by a crash) before its turn: recorded with gRPC
  /// CANCELLED; it had no effect.
  void record_not_carried_out(std::string method, std::string conn, std::size_t bytes);

  /// Fault knob Options::lose_socket_closed, switchable at run time.
  void set_lose_socket_closed(bool lose) { lose_socket_closed_ = lose; }
  bool lose_socket_closed() const { return lose_socket_closed_; }

  /// A message from outside (API, stdin, control port).
  void console_publish(const std::string& topic, std::string payload, std::uint32_t qos, const std::string& from);
  /// Streaming mode: a conn's stream broke; the conn ends like a failed unary call.
  void stream_failed(const std::string& conn, EventKind kind, const HandlerStatus& status);
  /// Gateway stop: ends every conn at once without handler events.
  void shutdown();
  /// Thread-safe.
  std::size_t live() const { return live_.load(); }

  // --- used by Connection ---
  boost::asio::io_context& io() { return io_; }
  const Options& options() const { return options_; }
  Journal& journal() { return journal_; }
  spdlog::logger& log() { return log_; }
  HandlerDispatcher& handler() { return handler_; }
  Broker& broker() { return broker_; }
  bool authn_allows(const ClientInfo& info, const std::string& password) const;
  bool publish_allowed(const std::string& topic) const;
  bool subscribe_allowed(const std::string& filter) const;
  /// Registers `owner` as the session of `clientid`, discarding an older conn with it.
  void claim_clientid(const std::string& clientid, const std::string& owner);
  /// The conn left `connected` (socket closed): a new login with its clientid discards nothing.
  void release_clientid(const std::string& clientid, const std::string& owner);
  /// Records (and logs at debug) a handler event the conn is about to send.
  void record_event(const Event& event);
  /// Publishes into the broker, records and logs it, hands deliveries to subscribed conns.
  void route(const std::string& topic, std::uint32_t qos, std::string payload, const std::string& from,
             PublishOrigin origin);
  /// Called by a conn process as it ends.
  void on_terminated(const Connection& conn, const std::string& reason);

 private:
  std::expected<std::shared_ptr<Connection>, CallResult> lookup(const std::string& conn) const;
  CallResult finish(std::string method, std::string conn, std::string detail, CallResult result,
                    std::size_t bytes = 0);

  boost::asio::io_context& io_;
  const Options& options_;
  Journal& journal_;
  spdlog::logger& log_;
  HandlerDispatcher& handler_;
  Broker broker_;
  std::uint32_t creation_;
  std::uint32_t next_pid_ = 1;
  std::map<std::string, std::shared_ptr<Connection>> conns_;
  std::map<std::string, std::string> clientid_owner_;  // clientid → conn
  std::atomic<std::size_t> live_{0};
  bool shutting_down_ = false;
  bool lose_socket_closed_ = false;
};

/// "SUCCESS", "PERMISSION_DENY", … (exproto.proto ResultCode names).
std::string_view result_code_name(ResultCode code);

}  // namespace exproto::devgw
