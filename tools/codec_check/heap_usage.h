// Bytes the C heap has handed out and not taken back, across all arenas and mmapped chunks.
// Compared before on_codec_create and after on_codec_destroy, it shows what a codec leaked (state
// of sessions it never freed) without instrumenting it.
#pragma once

#include <malloc.h>

#include <cstddef>

namespace codec_check {

inline std::size_t heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace codec_check
