// Host-owned heap per idle session, measured through the core library with no gRPC in the
// process: the real Dispatcher, Session, CallSequencer and CodecInstance, a codec loaded from its
// file, and mallinfo2() before and after opening the sessions. What RSS cannot separate (gRPC's
// caches, allocator pages) stays out of this figure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace exproto::memory {

struct CoreFigure {
  std::size_t sessions = 0;
  double heap_bytes_per_session = 0;  // mallinfo2 uordblks + hblkhd growth / sessions
};

// Opens sessions up to each checkpoint (cumulative) on codec `codec_file`; the conn ids have
// EMQX's length (44 characters). Returns one figure per checkpoint, or an error text.
std::vector<CoreFigure> measure_core(const std::filesystem::path& codec_file, const std::vector<std::size_t>& checkpoints,
                                     std::string& error);

}  // namespace exproto::memory
