// Turns run results into the plain-text table or the JSON document the bench prints.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "load_driver.h"
#include "load_result.h"

namespace exproto::bench {

// Medians over the rounds of one label: medians, not means, so one noisy round on a shared
// machine does not drag the comparison.
struct Summary {
  std::size_t rounds = 0;
  double frames_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double adapter_calls_per_second = 0;
  double handler_cpu_us_per_frame = -1;  // -1 when the handler's CPU is unknown
  double handler_switches_per_frame = -1;  // context switches of the handler per frame, -1 when unknown
  double broker_cpu_us_per_frame = -1;     // native mode: the MQTT broker's CPU per frame, -1 otherwise
};

std::map<std::string, Summary> summarize(const std::vector<LoadResult>& runs);

// numerator / denominator of each summary figure, when both labels are present.
std::optional<Summary> ratio_of(const std::map<std::string, Summary>& summaries, const std::string& numerator,
                                const std::string& denominator);
// host / baseline of each summary figure, when both labels are present.
std::optional<Summary> host_over_baseline(const std::map<std::string, Summary>& summaries);

// CPU per frame of `numerator` over `denominator` round by round (rounds with the same number ran
// back to back, so a slow spell of the machine lands on both): the ratios, sorted. A slow drift
// of a shared VM moves the medians of each label apart; the ratios of pairs do not drift with it.
struct PairedRatios {
  std::vector<double> sorted;  // one per round both labels ran with a known CPU
  double median() const;
  std::size_t above_one() const;  // rounds where the numerator cost more
};
PairedRatios paired_cpu_ratios(const std::vector<LoadResult>& runs, const std::string& numerator,
                               const std::string& denominator);

// A reload's dip: the lowest timeline step among the reload's step and the two after it, over the
// median step before the reload. nullopt without a reload or without a step before it.
std::optional<double> reload_dip(const LoadResult& run);

// One line for a finished round, for progress output.
std::string round_summary(const LoadResult& r);

void print_table(std::ostream& out, const LoadSettings& settings, const std::vector<LoadResult>& runs);
void print_json(std::ostream& out, const LoadSettings& settings, const std::vector<LoadResult>& runs);

}  // namespace exproto::bench
