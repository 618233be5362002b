#include "serials.hpp"

#include <algorithm>

namespace jt808 {
namespace {

constexpr std::size_t kSerials = 0x10000;

bool contains(std::span<const std::uint16_t> used, std::uint32_t sn) {
  return std::binary_search(used.begin(), used.end(), static_cast<std::uint16_t>(sn % kSerials));
}

}  // namespace

bool serials_taken(std::uint16_t first, std::size_t count, std::span<const std::uint16_t> used) {
  if (used.empty()) return false;
  for (std::size_t i = 0; i < std::min(count, kSerials); ++i) {
    if (contains(used, first + static_cast<std::uint32_t>(i))) return true;
  }
  return false;
}

std::optional<std::uint16_t> free_serials(std::uint16_t from, std::size_t count, std::span<const std::uint16_t> used) {
  if (count == 0 || count > kSerials) return std::nullopt;
  if (used.empty()) return from;
  // A sweep: a run that meets a used number restarts right after it, so no number is looked at
  // twice and a full table ends the search after one turn of the counter.
  std::size_t start = 0;  // offset of the candidate run from `from`
  std::size_t length = 0;
  while (start + length < kSerials + count && start < kSerials) {
    if (length == count) return static_cast<std::uint16_t>((from + start) % kSerials);
    if (contains(used, static_cast<std::uint32_t>(from + start + length))) {
      start += length + 1;
      length = 0;
    } else {
      ++length;
    }
  }
  return std::nullopt;
}

}  // namespace jt808
