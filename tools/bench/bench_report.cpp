#include "bench_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace exproto::bench {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double cpu_us_per_frame(const LoadResult& r) {
  if (r.handler_cpu_percent < 0 || r.frames == 0) return -1;
  return r.handler_cpu_percent / 100.0 * r.window_seconds / static_cast<double>(r.frames) * 1e6;
}

double broker_us_per_frame(const LoadResult& r) {
  if (r.broker_cpu_percent < 0 || r.frames == 0) return -1;
  return r.broker_cpu_percent / 100.0 * r.window_seconds / static_cast<double>(r.frames) * 1e6;
}

double switches_per_frame(const LoadResult& r) {
  if (r.handler_context_switches < 0 || r.frames == 0) return -1;
  return r.handler_context_switches / static_cast<double>(r.frames);
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string opt(const char* format, double value) { return value < 0 ? "-" : fmt(format, value); }

}  // namespace

std::string round_summary(const LoadResult& r) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%.0f frames/s, p50 %.0f us, p99 %.0f us, %zu/%zu conns, cpu handler %.0f%% bench %.0f%%%s",
                r.frames_per_second, r.p50_us, r.p99_us, r.conns_connected, r.conns_requested, r.handler_cpu_percent,
                r.bench_cpu_percent,
                r.broker_cpu_percent < 0 ? "" : (" broker " + fmt("%.0f", r.broker_cpu_percent) + "%").c_str());
  return buf;
}

std::map<std::string, Summary> summarize(const std::vector<LoadResult>& runs) {
  std::map<std::string, std::vector<const LoadResult*>> by_label;
  for (const auto& r : runs) by_label[r.label].push_back(&r);
  std::map<std::string, Summary> out;
  for (const auto& [label, rs] : by_label) {
    auto pick = [&](auto field) {
      std::vector<double> v;
      for (const auto* r : rs) v.push_back(field(*r));
      return median(std::move(v));
    };
    Summary s;
    s.rounds = rs.size();
    s.frames_per_second = pick([](const LoadResult& r) { return r.frames_per_second; });
    s.p50_us = pick([](const LoadResult& r) { return r.p50_us; });
    s.p99_us = pick([](const LoadResult& r) { return r.p99_us; });
    s.adapter_calls_per_second = pick([](const LoadResult& r) { return r.adapter_calls_per_second; });
    bool cpu_known = std::all_of(rs.begin(), rs.end(), [](const auto* r) { return cpu_us_per_frame(*r) >= 0; });
    if (cpu_known) s.handler_cpu_us_per_frame = pick([](const LoadResult& r) { return cpu_us_per_frame(r); });
    bool cs_known = std::all_of(rs.begin(), rs.end(), [](const auto* r) { return switches_per_frame(*r) >= 0; });
    if (cs_known) s.handler_switches_per_frame = pick([](const LoadResult& r) { return switches_per_frame(r); });
    bool broker_known = std::all_of(rs.begin(), rs.end(), [](const auto* r) { return broker_us_per_frame(*r) >= 0; });
    if (broker_known) s.broker_cpu_us_per_frame = pick([](const LoadResult& r) { return broker_us_per_frame(r); });
    out[label] = s;
  }
  return out;
}

std::optional<double> reload_dip(const LoadResult& r) {
  if (r.reload_at_seconds < 0 || r.timeline.empty() || r.timeline_step_seconds <= 0) return std::nullopt;
  const auto at = static_cast<std::size_t>(r.reload_at_seconds / r.timeline_step_seconds);
  if (at == 0 || at >= r.timeline.size()) return std::nullopt;
  std::vector<double> before(r.timeline.begin(), r.timeline.begin() + static_cast<std::ptrdiff_t>(at));
  const double typical = median(std::move(before));
  if (typical <= 0) return std::nullopt;
  const auto last = std::min(r.timeline.size(), at + 3);
  const auto lowest = *std::min_element(r.timeline.begin() + static_cast<std::ptrdiff_t>(at),
                                        r.timeline.begin() + static_cast<std::ptrdiff_t>(last));
  return static_cast<double>(lowest) / typical;
}

double PairedRatios::median() const { return bench::median(sorted); }

std::size_t PairedRatios::above_one() const {
  return static_cast<std::size_t>(std::count_if(sorted.begin(), sorted.end(), [](double r) { return r > 1.0; }));
}

PairedRatios paired_cpu_ratios(const std::vector<LoadResult>& runs, const std::string& numerator,
                               const std::string& denominator) {
  std::map<int, double> num, den;
  for (const auto& r : runs) {
    const double cpu = cpu_us_per_frame(r);
    if (cpu <= 0) continue;
    if (r.label == numerator) num[r.round] = cpu;
    if (r.label == denominator) den[r.round] = cpu;
  }
  PairedRatios out;
  for (const auto& [round, cpu] : num)
    if (auto it = den.find(round); it != den.end()) out.sorted.push_back(cpu / it->second);
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

std::optional<Summary> host_over_baseline(const std::map<std::string, Summary>& summaries) {
  return ratio_of(summaries, "host", "baseline");
}

std::optional<Summary> ratio_of(const std::map<std::string, Summary>& summaries, const std::string& numerator,
                                const std::string& denominator) {
  auto host = summaries.find(numerator);
  auto base = summaries.find(denominator);
  if (host == summaries.end() || base == summaries.end()) return std::nullopt;
  auto ratio = [](double a, double b) { return b > 0 && a >= 0 ? a / b : -1; };
  const Summary& h = host->second;
  const Summary& b = base->second;
  Summary r;
  r.rounds = std::min(h.rounds, b.rounds);
  r.frames_per_second = ratio(h.frames_per_second, b.frames_per_second);
  r.p50_us = ratio(h.p50_us, b.p50_us);
  r.p99_us = ratio(h.p99_us, b.p99_us);
  r.adapter_calls_per_second = ratio(h.adapter_calls_per_second, b.adapter_calls_per_second);
  r.handler_cpu_us_per_frame = ratio(h.handler_cpu_us_per_frame, b.handler_cpu_us_per_frame);
  r.handler_switches_per_frame = ratio(h.handler_switches_per_frame, b.handler_switches_per_frame);
  // the broker is not part of either handler: a ratio of it would compare it with nothing
  return r;
}

void print_table(std::ostream& out, const LoadSettings& s, const std::vector<LoadResult>& runs) {
  out << "exproto-bench: " << s.protocol << " devices, " << s.conns << " conns, "
      << (s.protocol == "jsonframe" ? "payload " + std::to_string(s.payload_bytes) + " B, " : std::string())
      << "pipeline "
      << s.pipeline << ", warm-up " << s.warmup_seconds << " s, window " << s.seconds << " s, "
      << s.channels << " handler channels"
      << (s.rate > 0 ? ", open loop at " + fmt("%.0f", s.rate) + " frames/s (latency from the scheduled time)"
                     : std::string(", closed loop (full speed)"))
      << "\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %5s %11s %11s %9s %9s %9s %9s %11s %7s %8s %9s %6s %7s %6s\n", "handler",
                "round", "conns", "frames/s", "p50 us", "p99 us", "p999 us", "max us", "adapter/s",
                "bench%", "handler%", "cpu us/f", "cs/f", "broker%", "errors");
  out << line;
  for (const auto& r : runs) {
    std::string conns = std::to_string(r.conns_connected) + "/" + std::to_string(r.conns_requested);
    std::snprintf(line, sizeof line, "%-9s %5d %11s %11.0f %9.0f %9.0f %9.0f %9.0f %11.0f %7.0f %8s %9s %6s %7s %6llu\n",
                  r.label.c_str(), r.round, conns.c_str(), r.frames_per_second, r.p50_us, r.p99_us,
                  r.p999_us, r.max_us, r.adapter_calls_per_second, r.bench_cpu_percent,
                  opt("%.0f", r.handler_cpu_percent).c_str(), opt("%.1f", cpu_us_per_frame(r)).c_str(),
                  opt("%.1f", switches_per_frame(r)).c_str(), opt("%.0f", r.broker_cpu_percent).c_str(),
                  static_cast<unsigned long long>(r.errors()));
    out << line;
  }
  for (const auto& r : runs)
    if (!r.first_error.empty()) out << "  " << r.label << " round " << r.round << ": " << r.first_error << "\n";
  for (const auto& r : runs) {
    if (r.reload_at_seconds < 0) continue;
    out << "\nreload in " << r.label << " round " << r.round << " at " << fmt("%.1f", r.reload_at_seconds)
        << " s into the window: file landing -> new generation serving "
        << (r.reload_serving_seconds < 0 ? std::string("not seen in the host log")
                                         : fmt("%.3f", r.reload_serving_seconds) + " s")
        << "; " << (r.reload_summary.empty() ? std::string("sessions: not in the host log") : r.reload_summary)
        << "; lowest step from the reload on / median step before: " << opt("%.2f", reload_dip(r).value_or(-1))
        << "\n  host: " << (r.reload_steps.empty() ? std::string("no timeline in the host log") : r.reload_steps)
        << "\n  host: " << (r.reload_migration.empty() ? std::string("no migration in the host log") : r.reload_migration)
        << "\n  frames per " << fmt("%g", r.timeline_step_seconds) << " s step:";
    const auto at = static_cast<std::size_t>(r.reload_at_seconds / r.timeline_step_seconds);
    for (std::size_t i = 0; i < r.timeline.size(); ++i)
      out << (i == at ? " |reload| " : " ") << r.timeline[i];
    out << "\n";
  }

  auto summaries = summarize(runs);
  out << "\nmedians over rounds:\n";
  std::snprintf(line, sizeof line, "%-16s %6s %11s %9s %9s %11s %9s %6s %10s\n", "", "rounds", "frames/s", "p50 us",
                "p99 us", "adapter/s", "cpu us/f", "cs/f", "broker us/f");
  out << line;
  for (const auto& [label, m] : summaries) {
    std::snprintf(line, sizeof line, "%-16s %6zu %11.0f %9.0f %9.0f %11.0f %9s %6s %10s\n", label.c_str(), m.rounds,
                  m.frames_per_second, m.p50_us, m.p99_us, m.adapter_calls_per_second,
                  opt("%.1f", m.handler_cpu_us_per_frame).c_str(), opt("%.1f", m.handler_switches_per_frame).c_str(),
                  opt("%.1f", m.broker_cpu_us_per_frame).c_str());
    out << line;
  }
  for (const auto& [numerator, denominator] : {std::pair<std::string, std::string>{"host", "baseline"},
                                                {"isolated", "host"}, {"native", "exproto"},
                                                {"other", "host"}}) {
    auto ratio = ratio_of(summaries, numerator, denominator);
    if (!ratio) continue;
    const std::string name = numerator + "/" + denominator;
    std::snprintf(line, sizeof line, "%-16s %6s %11s %9s %9s %11s %9s %6s\n", name.c_str(), "",
                  opt("%.2f", ratio->frames_per_second).c_str(), opt("%.2f", ratio->p50_us).c_str(),
                  opt("%.2f", ratio->p99_us).c_str(), opt("%.2f", ratio->adapter_calls_per_second).c_str(),
                  opt("%.2f", ratio->handler_cpu_us_per_frame).c_str(),
                  opt("%.2f", ratio->handler_switches_per_frame).c_str());
    out << line;
    const auto pairs = paired_cpu_ratios(runs, numerator, denominator);
    if (pairs.sorted.size() >= 2) {
      out << "  " << name << " cpu us/f round by round: median " << fmt("%.2f", pairs.median()) << ", "
          << pairs.above_one() << " of " << pairs.sorted.size() << " rounds above 1, range "
          << fmt("%.2f", pairs.sorted.front()) << ".." << fmt("%.2f", pairs.sorted.back()) << "\n";
    }
  }
}

namespace {

nlohmann::json summary_json(const Summary& s) {
  return {{"rounds", s.rounds},
          {"frames_per_second", s.frames_per_second},
          {"p50_us", s.p50_us},
          {"p99_us", s.p99_us},
          {"adapter_calls_per_second", s.adapter_calls_per_second},
          {"handler_cpu_us_per_frame", s.handler_cpu_us_per_frame < 0 ? nlohmann::json() : nlohmann::json(s.handler_cpu_us_per_frame)},
          {"handler_context_switches_per_frame",
           s.handler_switches_per_frame < 0 ? nlohmann::json() : nlohmann::json(s.handler_switches_per_frame)},
          {"broker_cpu_us_per_frame", s.broker_cpu_us_per_frame < 0 ? nlohmann::json() : nlohmann::json(s.broker_cpu_us_per_frame)}};
}

nlohmann::json run_json(const LoadResult& r) {
  const AdapterCounts& a = r.adapter;
  return {{"handler", r.label},
          {"round", r.round},
          {"conns_requested", r.conns_requested},
          {"conns_connected", r.conns_connected},
          {"window_seconds", r.window_seconds},
          {"frames", r.frames},
          {"frames_per_second", r.frames_per_second},
          {"latency_us", {{"samples", r.latency_samples}, {"p50", r.p50_us}, {"p99", r.p99_us},
                          {"p999", r.p999_us}, {"mean", r.mean_us}, {"max", r.max_us}}},
          {"connect_p50_us", r.connect_p50_us},
          {"adapter_calls", {{"send", a.send}, {"close", a.close}, {"authenticate", a.authenticate},
                             {"start_timer", a.start_timer}, {"publish", a.publish}, {"subscribe", a.subscribe},
                             {"unsubscribe", a.unsubscribe}, {"raw_publish", a.raw_publish}, {"total", a.total()}}},
          {"adapter_calls_per_second", r.adapter_calls_per_second},
          {"bench_cpu_percent", r.bench_cpu_percent},
          {"bench_cpu_us_per_frame", r.frames ? r.bench_cpu_percent / 100.0 * r.window_seconds / r.frames * 1e6 : 0.0},
          {"handler_cpu_percent", r.handler_cpu_percent < 0 ? nlohmann::json() : nlohmann::json(r.handler_cpu_percent)},
          {"handler_cpu_us_per_frame", cpu_us_per_frame(r) < 0 ? nlohmann::json() : nlohmann::json(cpu_us_per_frame(r))},
          {"handler_context_switches_per_frame",
           switches_per_frame(r) < 0 ? nlohmann::json() : nlohmann::json(switches_per_frame(r))},
          {"broker_cpu_percent", r.broker_cpu_percent < 0 ? nlohmann::json() : nlohmann::json(r.broker_cpu_percent)},
          {"broker_cpu_us_per_frame", broker_us_per_frame(r) < 0 ? nlohmann::json() : nlohmann::json(broker_us_per_frame(r))},
          {"frames_scheduled", r.frames_scheduled},
          {"rpc_errors", r.rpc_errors},
          {"nacks", r.nacks},
          {"stray_acks", r.stray_acks},
          {"handler_closes", r.handler_closes},
          {"first_error", r.first_error},
          {"timeline", {{"step_seconds", r.timeline_step_seconds}, {"frames", r.timeline}}},
          {"reload", r.reload_at_seconds < 0
                         ? nlohmann::json()
                         : nlohmann::json{{"at_seconds", r.reload_at_seconds},
                                          {"landing_to_serving_seconds",
                                           r.reload_serving_seconds < 0 ? nlohmann::json() : nlohmann::json(r.reload_serving_seconds)},
                                          {"sessions", r.reload_summary},
                                          {"host_steps", r.reload_steps},
                                          {"host_migration", r.reload_migration},
                                          {"dip", reload_dip(r) ? nlohmann::json(*reload_dip(r)) : nlohmann::json()}}}};
}

}  // namespace

void print_json(std::ostream& out, const LoadSettings& s, const std::vector<LoadResult>& runs) {
  nlohmann::json doc;
  doc["settings"] = {{"protocol", s.protocol},     {"conns", s.conns},
                     {"payload_bytes", s.payload_bytes},
                     {"pipeline", s.pipeline},     {"warmup_seconds", s.warmup_seconds},
                     {"seconds", s.seconds},       {"channels", s.channels},
                     {"listener_port", s.listener_port}, {"rate", s.rate}};
  doc["runs"] = nlohmann::json::array();
  for (const auto& r : runs) doc["runs"].push_back(run_json(r));
  auto summaries = summarize(runs);
  doc["summary"] = nlohmann::json::object();
  for (const auto& [label, m] : summaries) doc["summary"][label] = summary_json(m);
  if (auto ratio = host_over_baseline(summaries)) doc["host_over_baseline"] = summary_json(*ratio);
  if (auto ratio = ratio_of(summaries, "isolated", "host")) doc["isolated_over_host"] = summary_json(*ratio);
  if (auto ratio = ratio_of(summaries, "native", "exproto")) doc["native_over_exproto"] = summary_json(*ratio);
  out << doc.dump(2) << "\n";
}

}  // namespace exproto::bench
