// The codecs found in the plugins folder, by name: the current generation of each.
#pragma once

#include <exproto/codec_abi.h>

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/registry/codec_library.h"

namespace exproto::host {

struct LoadFailure {
  std::filesystem::path file;
  std::string reason;
  LoadRefusal refusal = LoadRefusal::file;  // which check refused it (the metrics label)
};

class CodecRegistry {
 public:
  // `archive_dir`, when given, keeps the bytes of every loaded library (see CodecLibrary::load).
  // `policy`: what every file must satisfy before it is mapped, at start and on every reload.
  CodecRegistry(std::filesystem::path work_dir, const exproto_host_api* api, std::filesystem::path archive_dir = {},
                LoadPolicy policy = {});

  // Loads every *.so in `dir` (sorted by file name). A bad file (not a codec, wrong ABI major,
  // missing hook, duplicate name…) is skipped with one log line naming the file and the reason,
  // and is returned here. A missing or unreadable `dir` is one failure naming `dir`.
  std::vector<LoadFailure> scan(const std::filesystem::path& dir);

  // Loads one file and registers it under its codec name. Refuses a name already registered:
  // "duplicate codec name 'x' (already loaded from <file>)". Does not log (scan does). A refusal
  // sets `*refusal` (when given), as CodecLibrary::load does.
  std::expected<std::shared_ptr<const CodecLibrary>, std::string> add(const std::filesystem::path& file,
                                                                     LoadRefusal* refusal = nullptr);

  // Loads one file with this registry's dirs and policy, without registering it (a reload
  // registers it with set_current once its instances exist).
  std::expected<std::shared_ptr<CodecLibrary>, std::string> load(const std::filesystem::path& file,
                                                                  LoadRefusal* refusal = nullptr) const;

  // Makes `library` the current generation of its name (a hot reload; loads happen elsewhere on
  // the control thread). Returns the generation it replaces, or nullptr for a new name.
  std::shared_ptr<const CodecLibrary> set_current(std::shared_ptr<const CodecLibrary> library);

  std::shared_ptr<const CodecLibrary> find(std::string_view name) const;
  std::vector<std::shared_ptr<const CodecLibrary>> all() const;

  const exproto_host_api* api() const { return api_; }

 private:
  std::filesystem::path work_dir_;
  const exproto_host_api* api_;
  std::filesystem::path archive_dir_;
  LoadPolicy policy_;
  // Loads and replacements run on the control thread; finds come from any thread (admin status).
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const CodecLibrary>, std::less<>> by_name_;
};

}  // namespace exproto::host
