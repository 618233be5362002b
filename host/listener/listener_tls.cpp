#include "host/listener/listener_tls.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "host/listener/tls_context.h"

namespace exproto::host {

namespace {
std::string slurp(const std::filesystem::path& file) {
  if (file.empty()) return {};
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

std::expected<std::shared_ptr<ListenerTls>, std::string> ListenerTls::create(HandlerTls tls, std::string key) {
  auto ctx = make_listener_tls_context(tls, key);
  if (!ctx) return std::unexpected(ctx.error());
  std::string content = slurp(tls.cert_file) + '\0' + slurp(tls.key_file) + '\0' + slurp(tls.client_ca_file);
  return std::make_shared<ListenerTls>(std::move(tls), std::move(key), std::move(*ctx), std::move(content));
}

ListenerTls::ListenerTls(HandlerTls tls, std::string key, std::shared_ptr<boost::asio::ssl::context> ctx,
                         std::string content)
    : tls_(std::move(tls)), key_(std::move(key)), ctx_(std::move(ctx)), content_(std::move(content)) {}

std::shared_ptr<boost::asio::ssl::context> ListenerTls::current() const {
  std::lock_guard lk(mu_);
  return ctx_;
}

std::string ListenerTls::read_content() const {
  return slurp(tls_.cert_file) + '\0' + slurp(tls_.key_file) + '\0' + slurp(tls_.client_ca_file);
}

bool ListenerTls::check() {
  std::string content = read_content();
  {
    std::lock_guard lk(mu_);
    if (content == content_) return false;
  }
  auto ctx = make_listener_tls_context(tls_, key_);
  if (!ctx) {
    // A rotation in progress can show a new certificate beside the old key for a moment; the
    // next check sees the finished set. Each distinct problem is logged once.
    if (ctx.error() != reported_) {
      reported_ = ctx.error();
      spdlog::error("{}: the changed files are not usable ({}); new connections keep the previous certificate",
                    key_, ctx.error());
    }
    return false;
  }
  reported_.clear();
  {
    std::lock_guard lk(mu_);
    ctx_ = std::move(*ctx);
    content_ = std::move(content);
  }
  spdlog::info("{}: certificate files changed; new connections use them", key_);
  return true;
}

void ListenerTls::watch(boost::asio::io_context& io) {
  if (tls_.refresh_s == 0) return;
  timer_.emplace(io);
  schedule();
}

void ListenerTls::schedule() {
  timer_->expires_after(std::chrono::seconds(tls_.refresh_s));
  timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    self->check();
    self->schedule();
  });
}

void ListenerTls::stop() {
  if (timer_) timer_->cancel();
}

}  // namespace exproto::host
