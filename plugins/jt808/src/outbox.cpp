#include "outbox.hpp"

#include <algorithm>

namespace jt808 {
namespace {

// Which downlinks a terminal message (other than 0x0001) answers, and whether it names the
// downlink's msg_sn in its reply serial (EMQX's table).
struct AnswerRule {
  std::uint16_t answer;
  std::uint16_t downlinks[2];
  bool by_seq;
};
constexpr AnswerRule kAnswers[] = {
    {0x0104, {0x8104, 0x8106}, true}, {0x0107, {0x8107, 0x8107}, false}, {0x0108, {0x8108, 0x8108}, false},
    {0x0201, {0x8201, 0x8201}, true}, {0x0500, {0x8500, 0x8500}, true}, {0x0608, {0x8608, 0x8608}, false},
    {0x0700, {0x8700, 0x8700}, true}, {0x0702, {0x8702, 0x8702}, false}, {0x0805, {0x8801, 0x8801}, true},
    {0x0802, {0x8802, 0x8805}, true},
};

}  // namespace

bool Outbox::unacknowledged(std::uint16_t msg_id) {
  switch (msg_id) {
    case 0x8001:
    case 0x8003:
    case 0x8004:
    case 0x8100:
    case 0x8800:
    case 0x8A00:
      return true;
    default:
      return false;
  }
}

bool Outbox::submit(OutgoingMessage msg) {
  if (unacknowledged(msg.msg_id)) {
    for (const auto& f : msg.frames) port_.send(f);
    ++counters_.sent;
    return true;
  }
  if (inflight_.size() < config_.max_inflight) {
    start(std::move(msg));
    return true;
  }
  if (queue_.size() >= config_.message_queue_len) {
    ++counters_.dropped;
    return false;
  }
  queue_.push_back(std::move(msg));
  return true;
}

void Outbox::start(OutgoingMessage msg) {
  Entry e;
  e.key = next_key_++;
  e.acked.assign(msg.frames.size(), false);
  e.retries_left = config_.max_retry_times;
  e.msg = std::move(msg);
  for (const auto& f : e.msg.frames) port_.send(f);
  ++counters_.sent;
  e.timer_id = port_.start_timer(kTagKind | e.key);
  if (e.timer_id == 0) {
    // Without a timer the entry could never be retried nor given up and would hold its slot.
    port_.log("no retry timer available; downlink msg_id=" + std::to_string(e.msg.msg_id) + " is not tracked");
    return;
  }
  inflight_.push_back(std::move(e));
}

void Outbox::general_response(std::uint16_t id, std::uint16_t seq) {
  for (auto it = inflight_.begin(); it != inflight_.end(); ++it) {
    if (it->msg.msg_id != id) continue;
    const auto& sns = it->msg.sns;
    const auto pos = std::find(sns.begin(), sns.end(), seq);
    if (pos == sns.end()) continue;
    it->acked[static_cast<std::size_t>(pos - sns.begin())] = true;
    if (std::all_of(it->acked.begin(), it->acked.end(), [](bool b) { return b; })) finish(it);
    promote();
    return;
  }
}

void Outbox::answer(std::uint16_t msg_id, std::optional<std::uint16_t> seq) {
  for (const auto& rule : kAnswers) {
    if (rule.answer != msg_id) continue;
    for (auto it = inflight_.begin(); it != inflight_.end();) {
      const auto next = std::next(it);
      const bool kind = it->msg.msg_id == rule.downlinks[0] || it->msg.msg_id == rule.downlinks[1];
      const bool serial = !rule.by_seq || (seq && it->msg.sns.front() == *seq);
      if (kind && serial) finish(it);
      it = next;
    }
  }
  promote();
}

bool Outbox::resend(std::uint16_t first_sn, const std::vector<std::uint16_t>& packages) {
  const auto it = std::find_if(inflight_.begin(), inflight_.end(),
                               [first_sn](const Entry& e) { return e.msg.sns.front() == first_sn; });
  if (it == inflight_.end()) return false;
  for (const auto n : packages) {
    // Numbers outside the message are the terminal's mistake; the valid ones still go out.
    if (n == 0 || n > it->msg.frames.size()) continue;
    port_.send(it->msg.frames[n - 1]);
    ++counters_.resent;
  }
  return true;
}

void Outbox::on_timer(std::uint64_t key) {
  const auto it = std::find_if(inflight_.begin(), inflight_.end(), [key](const Entry& e) { return e.key == key; });
  if (it == inflight_.end()) return;
  it->timer_id = 0;
  if (it->retries_left == 0) {
    ++counters_.given_up;
    port_.log("downlink msg_id=" + std::to_string(it->msg.msg_id) + " msg_sn=" + std::to_string(it->msg.sns.front()) +
              " not acknowledged after " + std::to_string(config_.max_retry_times + 1) + " transmissions; given up");
    inflight_.erase(it);
    promote();
    return;
  }
  --it->retries_left;
  for (std::size_t i = 0; i < it->msg.frames.size(); ++i) {
    if (!it->acked[i]) port_.send(it->msg.frames[i]);
  }
  ++counters_.retransmitted;
  it->timer_id = port_.start_timer(kTagKind | it->key);
  if (it->timer_id == 0) {
    port_.log("no retry timer available; downlink msg_id=" + std::to_string(it->msg.msg_id) + " is not tracked");
    inflight_.erase(it);
    promote();
  }
}

bool Outbox::in_flight(std::uint16_t msg_id) const {
  return std::any_of(inflight_.begin(), inflight_.end(), [msg_id](const Entry& e) { return e.msg.msg_id == msg_id; });
}

std::vector<std::uint16_t> Outbox::serials_in_use() const {
  std::vector<std::uint16_t> used;
  for (const auto& e : inflight_) used.insert(used.end(), e.msg.sns.begin(), e.msg.sns.end());
  for (const auto& m : queue_) used.insert(used.end(), m.sns.begin(), m.sns.end());
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  return used;
}

void Outbox::finish(std::list<Entry>::iterator it) {
  if (it->timer_id != 0) port_.cancel_timer(it->timer_id);
  ++counters_.acked;
  inflight_.erase(it);
}

void Outbox::promote() {
  while (!queue_.empty() && inflight_.size() < config_.max_inflight) {
    auto msg = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(msg));
  }
}

}  // namespace jt808
