#include "host/log/logging.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "host/log/json_formatter.h"

namespace exproto::host {

bool writing_to_journal() {
  // "<device>:<inode>" of the journal's stream; a redirected stdout keeps the variable but not
  // the stream, hence the comparison (systemd.exec(5), $JOURNAL_STREAM).
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  for (const int fd : {1, 2}) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) return true;
  }
  return false;
}

std::expected<void, std::string> configure_logging(std::string_view level, std::string_view format) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything it does not know.
  if (lvl == spdlog::level::off && level != "off") {
    return std::unexpected("log.level: expected trace|debug|info|warn|error, got \"" + std::string(level) + "\"");
  }
  if (format != "text" && format != "json") {
    return std::unexpected("log.format: expected text|json, got \"" + std::string(format) + "\"");
  }
  spdlog::set_level(lvl);
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else if (writing_to_journal()) {
    spdlog::set_pattern("%-5l %v");  // the journal has the time, and colour codes would show as bytes
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  return {};
}

}  // namespace exproto::host
