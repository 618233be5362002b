#include "host/handler/tls_file_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "host/config/pem_files.h"
#include "host/handler/handler_tls_files.h"

namespace exproto::host {
namespace {

TlsFileMonitor::FileState file_state(const std::filesystem::path& file) {
  TlsFileMonitor::FileState state;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(file, ec);
  if (!ec) state.mtime = mtime;
  auto content = read_text_file(file);
  if (content) {
    state.content = std::move(*content);
  } else {
    state.error = content.error();
  }
  return state;
}

}  // namespace

TlsFileMonitor::TlsFileMonitor(HandlerTls tls, Metrics& metrics) : tls_(std::move(tls)), metrics_(metrics) {
  check();
  thread_ = std::thread([this] { run(); });
}

TlsFileMonitor::~TlsFileMonitor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void TlsFileMonitor::run() {
  // Same period as gRPC's provider: a problem shows up here about when gRPC rejects the files.
  const auto period = std::chrono::seconds(std::max<uint32_t>(1, tls_.refresh_s));
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    check();
    lock.lock();
  }
}

void TlsFileMonitor::check() {
  std::vector<FileState> now{file_state(tls_.cert_file), file_state(tls_.key_file)};
  if (!tls_.client_ca_file.empty()) now.push_back(file_state(tls_.client_ca_file));
  const bool changed = now != files_;
  const bool first = files_.empty();
  // An unchanged set was judged already, unless a verdict is pending or the certificate has
  // expired since (the check rejects an expired certificate; gRPC keeps serving it).
  const bool expired = not_after_ && std::chrono::system_clock::now() >= *not_after_;
  if (!changed && !confirm_pending_ && !expired) {
    update_expiry();
    return;
  }
  files_ = std::move(now);
  const std::string problem = check_handler_tls_files(tls_);
  // Rotation replaces the files one by one (key, then certificate), so a mismatch right after a
  // change may be a rotation half-way: it must still be there one period later to count.
  if (!problem.empty() && changed && !first) {
    confirm_pending_ = true;
    update_expiry();
    return;
  }
  confirm_pending_ = false;
  if (problem.empty()) adopt_certificate(files_.front().content);
  report(problem);
  update_expiry();
}

void TlsFileMonitor::report(const std::string& problem) {
  if (problem == reported_) return;
  if (!problem.empty()) {
    metrics_.tls_file_problems.inc();
    spdlog::error("{} (gRPC keeps serving the last good certificate and key until the files are fixed)", problem);
  } else {
    spdlog::info("handler.tls: the files pass the checks again; gRPC serves them from its next refresh");
  }
  reported_ = problem;
}

void TlsFileMonitor::adopt_certificate(const std::string& pem) {
  if (pem == certificate_) return;
  certificate_ = pem;
  not_after_ = first_certificate_not_after(pem);
}

void TlsFileMonitor::update_expiry() {
  if (!not_after_) return;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(*not_after_ - std::chrono::system_clock::now());
  metrics_.tls_cert_expiry_seconds.set(left.count());
  metrics_.tls_cert_expiry_known.store(true, std::memory_order_relaxed);
  // An expired certificate is reported by the check itself, as a problem.
  if (left >= kExpiryWarning || left.count() <= 0 || expiry_warned_for_ == certificate_) return;
  expiry_warned_for_ = certificate_;
  spdlog::warn("handler.tls.cert_file: the served certificate expires in {:.1f} days; rotate it before then",
               static_cast<double>(left.count()) / 86400);
}

}  // namespace exproto::host
