// Drives one codec instance the way the host would, but faster and nastier: many sessions open at
// once; bytes from the corpus and random bytes; results for every call, successes and failures;
// deliveries to subscribers; keepalive timeouts; host timers on a virtual clock; devices hanging
// up; and every session closed before the instance is destroyed. Every hook runs through one
// wrapper that tells the Checker which session's hook is running and catches escaping exceptions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "checker.h"
#include "crash_context.h"
#include "host/registry/codec_instance.h"
#include "input_source.h"
#include "reporter.h"

namespace codec_check {

struct LifecyclePlan {
  unsigned sessions = 8;                    // kept open at the same time
  std::chrono::milliseconds duration{0};    // time spent driving events
  std::uint64_t max_steps = UINT64_MAX;     // also stop after this many events
};

class Lifecycle {
 public:
  Lifecycle(const exproto::host::CodecInstance& instance, Checker& checker, const InputSource& inputs,
            std::mt19937_64& rng, CrashContext& crash);

  void run(const LifecyclePlan& plan);
  void report(Reporter& out) const;

 private:
  struct HookStats {
    std::uint64_t calls = 0;
    std::uint64_t exceptions = 0;
    std::map<std::int32_t, std::uint64_t> failures;  // status → count
  };

  template <class F>
  exproto_type_status hook(SessionSlot* slot, const char* name, std::span<const std::uint8_t> input, F&& call);
  bool open_session();
  void step(SessionSlot& s);
  void feed(SessionSlot& s, const std::vector<Bytes>& chunks);
  void deliver_result(SessionSlot& s);
  void deliver_messages(SessionSlot& s);
  void fire_timer(SessionSlot& s);
  void close(SessionSlot& s, const std::string& reason, std::uint64_t& counter);
  // A failing hook closes its session, as the host does.
  bool check(SessionSlot& s, exproto_type_status status, const char* name);
  void finish_all();

  const exproto::host::CodecInstance& instance_;
  const exproto_codec_descriptor& hooks_;
  Checker& checker_;
  const InputSource& inputs_;
  std::mt19937_64& rng_;
  CrashContext& crash_;
  std::vector<SessionSlot*> live_;
  std::map<std::string, HookStats> stats_;
  std::uint64_t next_conn_ = 1;
  std::uint64_t opened_ = 0, open_failed_ = 0, timers_fired_ = 0, results_ = 0, failed_results_ = 0;
  std::uint64_t closed_by_device_ = 0, closed_by_codec_ = 0, closed_after_error_ = 0, closed_keepalive_ = 0,
                closed_at_end_ = 0;
};

}  // namespace codec_check
