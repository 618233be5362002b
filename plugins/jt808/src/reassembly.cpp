#include "reassembly.hpp"

#include <algorithm>

namespace jt808 {

Reassembler::Outcome Reassembler::add(const Header& h, std::span<const std::uint8_t> body) {
  Outcome out;
  if (h.frag_total == 0 || h.frag_sn == 0 || h.frag_sn > h.frag_total) {
    out.kind = Outcome::Kind::invalid;
    return out;
  }
  const auto first_sn = static_cast<std::uint16_t>(h.msg_sn - (h.frag_sn - 1));
  const Key key{h.msg_id, first_sn, h.frag_total};
  auto it = sets_.find(key);
  if (it == sets_.end()) {
    if (sets_.size() >= config_.max_sets) {
      out.kind = Outcome::Kind::over_limit;
      return out;
    }
    Set s;
    s.id = next_id_++;
    s.first = h;
    s.first.msg_sn = first_sn;
    s.first.frag_sn = 1;
    it = sets_.emplace(key, std::move(s)).first;
    out.started = true;
  }
  auto& set = it->second;
  if (h.frag_sn == 1) set.first = h;  // the real first header (phone, version, encrypt)
  auto& part = set.parts[h.frag_sn];  // a repeated package replaces the earlier copy
  set.bytes -= part.size();
  bytes_ -= part.size();
  part.assign(body.begin(), body.end());
  set.bytes += part.size();
  bytes_ += part.size();
  out.set_id = set.id;
  if (bytes_ > config_.max_bytes) {
    out.kind = Outcome::Kind::over_limit;
    out.timer_id = set.timer_id;
    drop(it);
    return out;
  }
  if (set.parts.size() < h.frag_total) return out;

  out.kind = Outcome::Kind::complete;
  out.timer_id = set.timer_id;
  out.header = set.first;
  out.header.subpackage = false;
  out.header.frag_total = 0;
  out.header.frag_sn = 0;
  out.body.reserve(set.bytes);
  for (const auto& [n, data] : set.parts) out.body.insert(out.body.end(), data.begin(), data.end());
  // `len` reports the whole body; it may exceed the 10-bit field of a single frame.
  out.header.body_len = static_cast<std::uint32_t>(out.body.size());
  drop(it);
  return out;
}

void Reassembler::set_timer(std::uint64_t set_id, std::uint64_t timer_id) {
  for (auto& [key, set] : sets_) {
    if (set.id == set_id) set.timer_id = timer_id;
  }
}

std::optional<Reassembler::Expired> Reassembler::expire(std::uint64_t set_id) {
  for (auto it = sets_.begin(); it != sets_.end(); ++it) {
    if (it->second.id != set_id) continue;
    Expired e;
    e.first = it->second.first;
    e.first.msg_sn = std::get<1>(it->first);
    for (std::uint32_t n = 1; n <= e.first.frag_total; ++n) {
      if (!it->second.parts.contains(static_cast<std::uint16_t>(n))) e.missing.push_back(static_cast<std::uint16_t>(n));
    }
    drop(it);
    return e;
  }
  return std::nullopt;
}

void Reassembler::drop(std::map<Key, Set>::iterator it) {
  bytes_ -= it->second.bytes;
  sets_.erase(it);
}

}  // namespace jt808
