// Watches the handler.tls files on the host's side. gRPC's FileWatcherCertificateProvider re-reads
// them every refresh_s but, when an operator rotates in a bad file, only prints its own messages
// and keeps serving the last good pair; nothing warns before the certificate expires either. This
// monitor re-runs the start-up checks whenever a file changes and turns the outcome into one log
// line per distinct problem, the tls_file_problems counter and the tls_cert_expiry_seconds gauge.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/config/config.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

class TlsFileMonitor {
 public:
  // Checks once before returning (the gauge is set when the host starts), then every
  // tls.refresh_s on its own thread. `metrics` must outlive the monitor.
  TlsFileMonitor(HandlerTls tls, Metrics& metrics);
  ~TlsFileMonitor();  // wakes the thread and joins it; returns within one check
  TlsFileMonitor(const TlsFileMonitor&) = delete;
  TlsFileMonitor& operator=(const TlsFileMonitor&) = delete;

  // A certificate that expires sooner than this is warned about (once per certificate).
  static constexpr std::chrono::hours kExpiryWarning{14 * 24};

  // What is known of one file at a check: modification time and content, or the read error.
  struct FileState {
    std::optional<std::filesystem::file_time_type> mtime;
    std::string content;
    std::string error;
    bool operator==(const FileState&) const = default;
  };

 private:
  void run();
  void check();
  void report(const std::string& problem);
  void adopt_certificate(const std::string& pem);
  void update_expiry();

  const HandlerTls tls_;
  Metrics& metrics_;

  // Only touched by check(), i.e. by the constructor and then only by the thread.
  std::vector<FileState> files_;
  bool confirm_pending_ = false;  // a problem seen right after a change, not reported yet
  std::string reported_;          // the problem last logged; "" while the set is good
  std::optional<std::chrono::system_clock::time_point> not_after_;  // of the last good certificate
  std::string certificate_;                                         // its PEM, to warn once per certificate
  std::string expiry_warned_for_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above is built
};

}  // namespace exproto::host
