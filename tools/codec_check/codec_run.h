// Everything that runs codec code: load it with the host's own loader (CodecLibrary::load), report
// its descriptor, then create an instance with the host's CodecInstance and drive a Lifecycle
// against the checking host table, twice (a short warm-up, then the measured run), comparing the
// heap across the measured run. Meant to run in the forked child; returns its exit code.
#pragma once

#include "crash_context.h"
#include "options.h"

namespace codec_check {

int check_codec(const Options& options, CrashContext& crash);

}  // namespace codec_check
