// The codecs found in the plugins folder, by name.
#pragma once

#include <exproto/codec_abi.h>

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/registry/codec_library.h"

namespace exproto::host {

struct LoadFailure {
  std::filesystem::path file;
  std::string reason;
};

class CodecRegistry {
 public:
  CodecRegistry(std::filesystem::path work_dir, const exproto_host_api* api);

  // Loads every *.so in `dir` (sorted by file name). A bad file (not a codec, wrong ABI major,
  // missing hook, duplicate name…) is skipped with one log line naming the file and the reason,
  // and is returned here. A missing or unreadable `dir` is one failure naming `dir`.
  std::vector<LoadFailure> scan(const std::filesystem::path& dir);

  // Loads one file and registers it under its codec name. Refuses a name already registered:
  // "duplicate codec name 'x' (already loaded from <file>)". Does not log (scan does).
  std::expected<std::shared_ptr<const CodecLibrary>, std::string> add(const std::filesystem::path& file);

  std::shared_ptr<const CodecLibrary> find(std::string_view name) const;
  std::vector<std::shared_ptr<const CodecLibrary>> all() const;

 private:
  std::filesystem::path work_dir_;
  const exproto_host_api* api_;
  std::map<std::string, std::shared_ptr<const CodecLibrary>, std::less<>> by_name_;
};

}  // namespace exproto::host
