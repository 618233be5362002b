// exproto-devgw: run an EMQX ExProto gateway stand-in in a terminal.
#include "devgw/gateway.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

using namespace exproto::devgw;

namespace {

// Reads control lines ("pub <topic> <payload>", "delay 200", "stall", "stats", …) until `stop`;
// polls so the thread ends promptly. Only answers other than a bare "OK" are printed.
void read_stdin(Gateway& gateway, const std::atomic<bool>& stop) {
  std::string pending;
  char buffer[4096];
  while (!stop) {
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    const auto n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) return;  // stdin closed: keep serving devices, just without console input
    pending.append(buffer, static_cast<std::size_t>(n));
    for (auto eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
      const auto line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto answer = gateway.control(line);
      if (answer.starts_with("ERR")) {
        std::cerr << "stdin: " << answer << "\n";
      } else if (answer != "OK") {
        std::cout << answer << std::endl;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exproto-devgw: a development stand-in for EMQX's ExProto gateway"};
  Options options;
  std::vector<std::string> listens;
  std::string service = "unary", log_level = "info", auth_file, control;
  HandlerTlsOptions handler_tls;
  AdapterTlsOptions adapter_tls;
  std::int64_t idle_ms = options.idle_timeout.count(), check_ms = options.keepalive_check_interval.count(),
               force_close_ms = options.force_close_timeout.count(), delay_ms = 0, adapter_delay_ms = 0;

  app.add_option("--handler", options.handler_address, "handler address (HOST:PORT or http://HOST:PORT)")
      ->capture_default_str();
  app.add_option("--adapter", options.adapter_bind, "ConnectionAdapter bind address")->capture_default_str();
  // EMQX 5.x handler.ssl_options: any --handler-ca turns TLS on towards the handler.
  auto* handler_ca = app.add_option("--handler-ca", handler_tls.ca_file,
                                    "dial the handler over TLS, verifying it with this CA bundle (PEM)");
  app.add_option("--handler-cert", handler_tls.cert_file, "client certificate for the handler (mutual TLS)")
      ->needs(handler_ca);
  app.add_option("--handler-key", handler_tls.key_file, "key of --handler-cert")->needs(handler_ca);
  app.add_option("--handler-server-name", handler_tls.server_name,
                 "name the handler's certificate must carry (SNI); default: the --handler host")
      ->needs(handler_ca);
  // EMQX 4.x exproto.server.https.*: the ConnectionAdapter over TLS.
  auto* adapter_cert = app.add_option("--adapter-cert", adapter_tls.cert_file,
                                      "serve ConnectionAdapter over TLS with this certificate chain (PEM)");
  auto* adapter_key = app.add_option("--adapter-key", adapter_tls.key_file, "key of --adapter-cert");
  adapter_cert->needs(adapter_key);
  adapter_key->needs(adapter_cert);
  app.add_option("--adapter-client-ca", adapter_tls.client_ca_file,
                 "require adapter clients to present a certificate signed by this CA")
      ->needs(adapter_cert);
  app.add_option("--listen", listens, "device listener tcp:HOST:PORT or udp:HOST:PORT (repeatable)")->required();
  app.add_option("--service", service, "handler service")
      ->check(CLI::IsMember({"unary", "streaming"}))
      ->capture_default_str();
  app.add_option("--control", control,
                 "text control port HOST:PORT (lines: PUB <topic> <payload>, DELAY <ms>, STALL, RESUME, "
                 "LOSE_CLOSED on|off, STATS)");
  app.add_option("--idle-timeout-ms", idle_ms, "EMQX idle_timeout")->capture_default_str();
  app.add_option("--keepalive-check-ms", check_ms, "EMQX mqtt.keepalive_check_interval")->capture_default_str();
  app.add_option("--keepalive-multiplier", options.keepalive_multiplier, "EMQX mqtt.keepalive_multiplier")
      ->capture_default_str();
  app.add_option("--force-close-ms", force_close_ms, "flush bound after a socket closes")->capture_default_str();
  app.add_option("--socket-created-delay-ms", delay_ms, "streaming: delay each OnSocketCreated stream write");
  app.add_option("--auth", auth_file, "JSON file: clients, users, deny_publish, deny_subscribe");
  // Fault injection (EMQX has no such options; they make it misbehave as a real one can).
  app.add_option("--adapter-delay-ms", adapter_delay_ms,
                 "fault: carry out and answer every ConnectionAdapter call this late")
      ->check(CLI::Range(0, 3'600'000));
  app.add_flag("--lose-socket-closed", options.lose_socket_closed,
               "fault: end conns without ever sending OnSocketClosed");
  app.add_option("--node", options.node, "Erlang node name in conn ids")->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  for (const auto& text : listens) {
    auto spec = parse_listener(text);
    if (!spec) {
      std::cerr << "exproto-devgw: " << spec.error() << "\n";
      return 2;
    }
    options.listeners.push_back(*spec);
  }
  if (!auth_file.empty()) {
    auto policy = load_auth_policy(auth_file);
    if (!policy) {
      std::cerr << "exproto-devgw: " << policy.error() << "\n";
      return 2;
    }
    options.auth = std::move(*policy);
  }
  if (!control.empty()) options.control_bind = control;
  if (handler_ca->count() > 0) options.handler_tls = handler_tls;
  if (adapter_cert->count() > 0) options.adapter_tls = adapter_tls;
  options.service = service == "streaming" ? HandlerService::streaming : HandlerService::unary;
  options.idle_timeout = std::chrono::milliseconds(idle_ms);
  options.keepalive_check_interval = std::chrono::milliseconds(check_ms);
  options.force_close_timeout = std::chrono::milliseconds(force_close_ms);
  options.socket_created_stream_delay = std::chrono::milliseconds(delay_ms);
  options.adapter_delay = std::chrono::milliseconds(adapter_delay_ms);
  options.log_level = spdlog::level::from_str(log_level);
  options.keep_records = false;  // the log is the record here

  // Asio's signal_set owns the handler (gRPC may already run threads, so masking is not enough).
  boost::asio::io_context signals_io;
  boost::asio::signal_set stop_signals(signals_io, SIGINT, SIGTERM);
  stop_signals.async_wait([](const boost::system::error_code&, int) {});

  auto gateway = Gateway::start(std::move(options));
  if (!gateway) {
    std::cerr << "exproto-devgw: " << gateway.error() << "\n";
    return 1;
  }
  std::atomic<bool> stopping{false};
  std::thread console([&] { read_stdin(**gateway, stopping); });
  signals_io.run();  // returns once SIGINT/SIGTERM arrived
  stopping = true;
  console.join();
  (*gateway)->stop();
  return 0;
}
