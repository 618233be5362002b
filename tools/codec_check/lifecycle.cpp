#include "lifecycle.h"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace codec_check {
namespace {

exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }

// EMQX's failure codes plus the two the host makes up when EMQX does not answer.
constexpr std::array<std::int32_t, 7> kFailureCodes{
    EXPROTO_RESULT_UNKNOWN,          EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE, EXPROTO_RESULT_REQUIRED_PARAMS_MISSED,
    EXPROTO_RESULT_PARAMS_TYPE_ERROR, EXPROTO_RESULT_PERMISSION_DENY,       EXPROTO_RESULT_HOST_UNAVAILABLE,
    EXPROTO_RESULT_HOST_DEADLINE};

// A concrete topic matching `filter`, as EMQX would deliver on it.
std::string topic_for(std::string_view filter) {
  std::string out;
  std::size_t start = 0;
  while (start <= filter.size()) {
    const auto end = std::min(filter.find('/', start), filter.size());
    const auto level = filter.substr(start, end - start);
    if (!out.empty() || start != 0) out += '/';
    out += (level == "+" || level == "#") ? std::string("x") : std::string(level);
    start = end + 1;
  }
  return out;
}

// How many results one session may still produce at the end before we call it a loop.
constexpr int kMaxFinalResults = 10000;
constexpr int kMaxOpenFailuresInARow = 100;

}  // namespace

Lifecycle::Lifecycle(const exproto::host::CodecInstance& instance, Checker& checker, const InputSource& inputs,
                     std::mt19937_64& rng, CrashContext& crash)
    : instance_(instance), hooks_(instance.hooks()), checker_(checker), inputs_(inputs), rng_(rng), crash_(crash) {}

template <class F>
exproto_type_status Lifecycle::hook(SessionSlot* slot, const char* name, std::span<const std::uint8_t> input,
                                    F&& call) {
  crash_.begin(name, slot != nullptr ? std::string_view(slot->conn) : std::string_view());
  if (!input.empty()) crash_.set_input(input);
  auto& st = stats_[name];
  ++st.calls;
  exproto_type_status status = EXPROTO_STATUS_ERROR;
  {
    Checker::Scope scope(checker_, slot, name);
    try {
      status = call();
    } catch (...) {
      // Only a codec written without the SDK's barrier gets here; the real host would terminate.
      ++st.exceptions;
      checker_.violation(std::string("exception escaped ") + name,
                         fmt::format("{} of session {} threw (the ABI forbids exceptions crossing it)", name,
                                     slot != nullptr ? slot->conn : "-"));
    }
  }
  if (status != EXPROTO_STATUS_OK) ++st.failures[status];
  crash_.done();
  return status;
}

void Lifecycle::run(const LifecyclePlan& plan) {
  const auto deadline = std::chrono::steady_clock::now() + plan.duration;
  int open_failures_in_a_row = 0;
  for (std::uint64_t steps = 0; steps < plan.max_steps && std::chrono::steady_clock::now() < deadline; ++steps) {
    while (live_.size() < plan.sessions && open_failures_in_a_row < kMaxOpenFailuresInARow) {
      open_failures_in_a_row = open_session() ? 0 : open_failures_in_a_row + 1;
    }
    // Sessions end inside hooks (a failing hook, even the opening bytes); never drive a closed one.
    std::erase_if(live_, [](const SessionSlot* s) { return s->state != SlotState::open; });
    if (live_.empty()) {
      if (open_failures_in_a_row >= kMaxOpenFailuresInARow) break;  // the codec refuses every connection
      continue;
    }
    step(*live_[rng_() % live_.size()]);
  }
  finish_all();
}

bool Lifecycle::open_session() {
  SessionSlot& s = checker_.add_slot(fmt::format("c-{}", next_conn_++));
  const auto socktype = static_cast<std::int32_t>(rng_() % 4);
  const bool tls = socktype == EXPROTO_SOCK_SSL || socktype == EXPROTO_SOCK_DTLS;
  const std::string peer = fmt::format("192.0.2.{}", 1 + rng_() % 254);
  const std::string cn = tls ? s.conn : std::string();
  const std::string dn = tls ? "CN=" + s.conn + ",O=checker" : std::string();
  const exproto_type_conninfo info{sizeof(exproto_type_conninfo), socktype, str(peer),
                                   static_cast<std::uint32_t>(1024 + rng_() % 60000), str("0.0.0.0"), 7993, str(cn),
                                   str(dn)};
  exproto_type_session_codec_ptr state = nullptr;
  const auto status = hook(&s, "on_session_open", {}, [&] {
    return hooks_.on_session_open(instance_.handle(), &s, str(s.conn), &info, &state);
  });
  if (status != EXPROTO_STATUS_OK) {
    s.state = SlotState::open_failed;
    ++open_failed_;
    return false;
  }
  s.state = SlotState::open;
  s.codec_state = state;
  ++opened_;
  live_.push_back(&s);
  feed(s, inputs_.opening(rng_));  // a well-formed conversation first, so the codec gets past its handshake
  return true;
}

void Lifecycle::step(SessionSlot& s) {
  if (s.close_requested) {
    // The codec asked to close: the answers still due arrive, then EMQX closes the socket.
    if (!s.pending.empty()) return deliver_result(s);
    return close(s, "{shutdown,normal}", closed_by_codec_);
  }
  const auto roll = rng_() % 100;
  if (roll < 50) return feed(s, inputs_.next(rng_));
  if (roll < 75 && !s.pending.empty()) return deliver_result(s);
  if (roll < 85 && !s.subscriptions.empty()) return deliver_messages(s);
  if (roll < 95 && !s.timers.empty()) return fire_timer(s);
  if (roll >= 95 && roll < 97 && s.keepalive_started) {
    const auto status = hook(&s, "on_session_keepalive_timeout", {},
                             [&] { return hooks_.on_session_keepalive_timeout(s.codec_state); });
    if (check(s, status, "on_session_keepalive_timeout")) close(s, "{shutdown,keepalive_timeout}", closed_keepalive_);
    return;
  }
  if (roll == 97) return close(s, "{shutdown,tcp_closed}", closed_by_device_);
  if (!s.pending.empty()) return deliver_result(s);
  feed(s, inputs_.next(rng_));
}

void Lifecycle::feed(SessionSlot& s, const std::vector<Bytes>& chunks) {
  for (const auto& chunk : chunks) {
    if (s.state != SlotState::open) return;
    const auto status = hook(&s, "on_session_bytes", chunk, [&] {
      return hooks_.on_session_bytes(s.codec_state, exproto_type_bytes{chunk.data(), chunk.size()});
    });
    if (!check(s, status, "on_session_bytes")) return;
  }
}

void Lifecycle::deliver_result(SessionSlot& s) {
  const PendingCall call = s.pending.front();
  s.pending.pop_front();
  // Most calls succeed; the rest get every failure code a real EMQX (or the host) can produce.
  const bool ok = rng_() % 5 != 0;
  const std::int32_t code = ok ? EXPROTO_RESULT_SUCCESS : kFailureCodes[rng_() % kFailureCodes.size()];
  const std::string message = ok ? std::string() : fmt::format("checker: simulated failure {}", code);
  const exproto_type_call_result result{sizeof(exproto_type_call_result), call.id, call.kind, code, str(message)};
  ++results_;
  if (!ok) ++failed_results_;
  const auto status = hook(&s, "on_session_result", {}, [&] { return hooks_.on_session_result(s.codec_state, &result); });
  check(s, status, "on_session_result");
}

void Lifecycle::deliver_messages(SessionSlot& s) {
  const std::size_t count = 1 + rng_() % 3;
  std::vector<std::string> topics, payloads, ids;
  for (std::size_t i = 0; i < count; ++i) {
    topics.push_back(topic_for(s.subscriptions[rng_() % s.subscriptions.size()]));
    const Bytes p = InputSource::text(rng_, 128);
    payloads.emplace_back(p.begin(), p.end());
    ids.push_back(fmt::format("{:016x}", rng_()));
  }
  std::vector<exproto_type_message> messages;
  for (std::size_t i = 0; i < count; ++i) {
    messages.push_back(exproto_type_message{
        sizeof(exproto_type_message), str("emqx@127.0.0.1"), str(ids[i]), static_cast<std::uint32_t>(rng_() % 3),
        str("checker"), str(topics[i]),
        exproto_type_bytes{reinterpret_cast<const std::uint8_t*>(payloads[i].data()), payloads[i].size()},
        1700000000000 + checker_.now_ms()});
  }
  const auto status = hook(&s, "on_session_messages", {}, [&] {
    return hooks_.on_session_messages(s.codec_state, messages.data(), messages.size());
  });
  check(s, status, "on_session_messages");
}

void Lifecycle::fire_timer(SessionSlot& s) {
  auto it = std::ranges::min_element(s.timers, {}, &PendingTimer::due_ms);
  const PendingTimer timer = *it;
  s.timers.erase(it);
  checker_.advance_to(timer.due_ms);
  ++timers_fired_;
  const auto status =
      hook(&s, "on_session_timer", {}, [&] { return hooks_.on_session_timer(s.codec_state, timer.id, timer.tag); });
  check(s, status, "on_session_timer");
}

void Lifecycle::close(SessionSlot& s, const std::string& reason, std::uint64_t& counter) {
  s.state = SlotState::closing;
  hook(&s, "on_session_close", {}, [&] {
    hooks_.on_session_close(s.codec_state, str(reason));
    return EXPROTO_STATUS_OK;
  });
  s.state = SlotState::closed;
  s.pending.clear();
  s.timers.clear();
  s.subscriptions.clear();
  ++counter;
}

bool Lifecycle::check(SessionSlot& s, exproto_type_status status, const char* name) {
  if (status == EXPROTO_STATUS_OK) return true;
  if (s.state == SlotState::open) close(s, fmt::format("host:{} failed with status {}", name, status), closed_after_error_);
  return false;
}

void Lifecycle::finish_all() {
  for (SessionSlot* s : live_) {
    // Every call gets its answer before the end, so a codec waiting on one is not cut short.
    for (int i = 0; i < kMaxFinalResults && s->state == SlotState::open && !s->pending.empty(); ++i) deliver_result(*s);
    if (s->state == SlotState::open) close(*s, "{shutdown,normal}", closed_at_end_);
  }
  live_.clear();
}

void Lifecycle::report(Reporter& out) const {
  out.line("sessions", fmt::format("{} opened, {} refused by on_session_open", opened_, open_failed_));
  out.line("closed", fmt::format("{} by device, {} at the codec's request, {} after a failing hook, {} on keepalive "
                                 "timeout, {} at the end",
                                 closed_by_device_, closed_by_codec_, closed_after_error_, closed_keepalive_,
                                 closed_at_end_));
  out.line("results", fmt::format("{} delivered ({} with a failure code), {} timers fired", results_, failed_results_,
                                  timers_fired_));
  for (const auto& [name, st] : stats_) {
    std::string text = fmt::format("{} calls", st.calls);
    if (!st.failures.empty()) {
      text += ", returned errors:";
      for (const auto& [status, n] : st.failures) text += fmt::format(" status {} x{}", status, n);
    }
    if (st.exceptions != 0) text += fmt::format(", {} exceptions escaped", st.exceptions);
    out.line("hook", fmt::format("{}: {}", name, text));
  }
}

}  // namespace codec_check
