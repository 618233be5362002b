#include "host/metrics/metrics_endpoint.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <optional>

namespace exproto::host {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One request, one answer, then the connection closes.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(tcp::socket socket, const MetricsEndpoint::Handlers& handlers, std::shared_ptr<std::atomic<int>> open)
      : stream_(std::move(socket)), handlers_(handlers), open_(std::move(open)) {}
  ~Exchange() { open_->fetch_sub(1); }

  void start() {
    parser_.header_limit(8 * 1024);
    parser_.body_limit(0);  // GET only
    stream_.expires_after(std::chrono::seconds(5));
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->answer(ec); });
  }

 private:
  void answer(beast::error_code ec) {
    if (ec) return;  // timed out, closed, or a request over the limits: nothing to answer
    const auto& req = parser_.get();
    res_.version(req.version());
    res_.keep_alive(false);
    res_.set(http::field::server, "exproto-host");
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      reply(http::status::method_not_allowed, "text/plain", "only GET\n");
    } else if (path == "/metrics") {
      reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", handlers_.metrics());
    } else if (path == "/healthz") {
      reply(http::status::ok, "text/plain", "ok\n");
    } else if (path == "/readyz") {
      const std::string why = handlers_.not_ready ? handlers_.not_ready() : std::string();
      if (why.empty()) {
        reply(http::status::ok, "text/plain", "ready\n");
      } else {
        reply(http::status::service_unavailable, "text/plain", why + "\n");
      }
    } else {
      reply(http::status::not_found, "text/plain", "not found (/metrics, /healthz, /readyz)\n");
    }
    if (req.method() == http::verb::head) res_.body().clear();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void reply(http::status status, const char* type, std::string body) {
    res_.result(status);
    res_.set(http::field::content_type, type);
    res_.body() = std::move(body);
    res_.prepare_payload();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
  const MetricsEndpoint::Handlers& handlers_;
  std::shared_ptr<std::atomic<int>> open_;
};

std::optional<tcp::endpoint> parse_bind(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = s.substr(0, colon);
  const std::string_view port_text = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (err != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);  // numeric only: never DNS
  if (ec) return std::nullopt;
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

std::expected<std::unique_ptr<MetricsEndpoint>, std::string> MetricsEndpoint::start(const std::string& bind,
                                                                                   Handlers handlers) {
  const auto at = parse_bind(bind);
  if (!at) return std::unexpected("metrics.bind: expected a numeric address:port, got \"" + bind + "\"");
  try {
    return std::make_unique<MetricsEndpoint>(Key{}, *at, std::move(handlers));
  } catch (const boost::system::system_error& e) {
    return std::unexpected("metrics.bind: cannot listen on " + bind + ": " + e.code().message());
  }
}

MetricsEndpoint::MetricsEndpoint(Key, tcp::endpoint at, Handlers handlers)
    : acceptor_(io_), handlers_(std::move(handlers)) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

MetricsEndpoint::~MetricsEndpoint() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void MetricsEndpoint::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      // Past the bound a scraper gets a closed connection, not a host that runs out of fds.
      if (open_->fetch_add(1) >= kMaxConnections) {
        open_->fetch_sub(1);
      } else {
        std::make_shared<Exchange>(std::move(socket), handlers_, open_)->start();
      }
    }
    accept();
  });
}

}  // namespace exproto::host
