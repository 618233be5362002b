#include "reload_probe.h"

#include <ctime>
#include <fstream>
#include <stdexcept>

namespace exproto::bench {
namespace {

// "2026-11-22T05:47:23.386 info  ..." -> that instant (local time, as the host logs it).
std::optional<std::chrono::system_clock::time_point> log_time(const std::string& line) {
  std::tm tm{};
  const char* rest = ::strptime(line.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr || rest[0] != '.') return std::nullopt;
  tm.tm_isdst = -1;
  const std::time_t seconds = std::mktime(&tm);
  if (seconds == -1) return std::nullopt;
  const int millis = std::atoi(rest + 1);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

}  // namespace

ReloadProbe::ReloadProbe(std::filesystem::path target, std::filesystem::path replacement)
    : target_(std::move(target)), replacement_(std::move(replacement)) {}

void ReloadProbe::install() {
  const auto temp = target_.parent_path() / ("." + target_.filename().string() + ".new");
  const auto& source = replacement_.empty() ? target_ : replacement_;
  std::filesystem::copy_file(source, temp, std::filesystem::copy_options::overwrite_existing);
  if (replacement_.empty()) std::ofstream(temp, std::ios::app | std::ios::binary) << std::string("\0rebuilt", 8);
  std::error_code ec;
  std::filesystem::rename(temp, target_, ec);
  if (ec) throw std::runtime_error("cannot install " + target_.string() + ": " + ec.message());
  landed_ = std::chrono::system_clock::now();
}

ReloadProbe::Outcome ReloadProbe::read_outcome(const std::filesystem::path& host_log) const {
  Outcome out;
  std::ifstream log(host_log);
  for (std::string line; std::getline(log, line);) {
    if (out.landing_to_serving_seconds < 0 && line.find(" reloaded codec '") != std::string::npos) {
      const auto at = log_time(line);
      if (at && landed_) out.landing_to_serving_seconds = std::chrono::duration<double>(*at - *landed_).count();
    } else if (out.sessions.empty() && line.find(" session(s) migrating, ") != std::string::npos) {
      const auto colon = line.find("': ");
      out.sessions = colon == std::string::npos ? line : line.substr(colon + 3);
    } else if (const auto at = line.find(" serving "); out.steps.empty() && at != std::string::npos &&
                                                        line.find(" after it landed: ") != std::string::npos) {
      out.steps = line.substr(at + 1);
    } else if (const auto at = line.find(": migration of "); out.migration.empty() && at != std::string::npos) {
      out.migration = line.substr(at + 2);
    }
  }
  return out;
}

}  // namespace exproto::bench
