// Platform serial numbers (msg_sn) for outgoing messages. A terminal names the downlink it answers
// only by msg_sn (plus id for 0x0001, not even that for 0x0104, 0x0201, …) and asks for packages
// again by the first package's msg_sn (0x0005), so two downlinks waiting for answers must never
// share a number. Numbers are 16 bits and wrap; every helper here counts modulo 65536.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace jt808 {

/// True when one of first, first+1, …, first+count-1 is in `used` (sorted ascending).
bool serials_taken(std::uint16_t first, std::size_t count, std::span<const std::uint16_t> used);

/// The first number from `from` on (wrapping) that starts `count` consecutive numbers none of
/// which is in `used` (sorted ascending); nullopt when there is no such run.
std::optional<std::uint16_t> free_serials(std::uint16_t from, std::size_t count, std::span<const std::uint16_t> used);

}  // namespace jt808
