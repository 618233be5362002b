// glibc keeps recently freed chunks in per-thread caches (tcache) that mallinfo2 counts as in use,
// which blurs the leak check by up to a few hundred KB. Tunables are read only at process start,
// so the tool re-executes itself once with the caches turned off.
#pragma once

namespace codec_check {

// Returns only when the caches are already off or the re-exec failed (the leak check then gets
// noisier but still runs).
void exec_without_malloc_caches(char** argv);

}  // namespace codec_check
