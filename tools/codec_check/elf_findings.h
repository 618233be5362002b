// Turns what read_elf_dynamic found into report lines and failures.
#pragma once

#include <filesystem>

#include "reporter.h"

namespace codec_check {

void report_elf(const std::filesystem::path& codec, Reporter& out);

}  // namespace codec_check
