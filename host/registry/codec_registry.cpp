#include "host/registry/codec_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace exproto::host {

CodecRegistry::CodecRegistry(std::filesystem::path work_dir, const exproto_host_api* api,
                             std::filesystem::path archive_dir, LoadPolicy policy)
    : work_dir_(std::move(work_dir)), api_(api), archive_dir_(std::move(archive_dir)), policy_(std::move(policy)) {}

std::expected<std::shared_ptr<CodecLibrary>, std::string> CodecRegistry::load(const std::filesystem::path& file,
                                                                             LoadRefusal* refusal) const {
  return CodecLibrary::load(file, work_dir_, api_, archive_dir_, policy_, refusal);
}

std::expected<std::shared_ptr<const CodecLibrary>, std::string> CodecRegistry::add(const std::filesystem::path& file,
                                                                                  LoadRefusal* refusal) {
  auto library = load(file, refusal);
  if (!library) return std::unexpected(library.error());
  // The first file keeps the name: a route must never switch codecs because of a directory order.
  std::lock_guard lk(mu_);
  if (auto it = by_name_.find((*library)->name()); it != by_name_.end()) {
    if (refusal != nullptr) *refusal = LoadRefusal::duplicate;
    return std::unexpected("duplicate codec name '" + (*library)->name() + "' (already loaded from " +
                           it->second->source().string() + ")");
  }
  std::shared_ptr<const CodecLibrary> loaded = std::move(*library);
  by_name_.emplace(loaded->name(), loaded);
  return loaded;
}

std::vector<LoadFailure> CodecRegistry::scan(const std::filesystem::path& dir) {
  std::vector<LoadFailure> failures;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".so") files.push_back(it->path());
  }
  if (ec) {
    LoadFailure failure{dir, "cannot read plugins folder: " + ec.message()};
    spdlog::error("skipping {}: {}", failure.file.string(), failure.reason);
    return {std::move(failure)};
  }
  // Sorted so that which of two same-named files wins does not depend on the filesystem.
  std::ranges::sort(files, [](const auto& a, const auto& b) { return a.filename() < b.filename(); });

  for (const auto& file : files) {
    LoadRefusal refusal = LoadRefusal::file;
    auto loaded = add(file, &refusal);
    if (!loaded) {
      spdlog::warn("skipping {}: {}", file.string(), loaded.error());
      failures.push_back(LoadFailure{file, loaded.error(), refusal});
      continue;
    }
    const auto& lib = **loaded;
    spdlog::info("loaded codec '{}' {} ({}) from {}, sha256 {}{}", lib.name(), lib.version(), lib.vendor(),
                 file.string(), lib.sha256(), lib.signer().empty() ? "" : ", signed by " + lib.signer());
  }
  return failures;
}

std::shared_ptr<const CodecLibrary> CodecRegistry::set_current(std::shared_ptr<const CodecLibrary> library) {
  std::lock_guard lk(mu_);
  auto& slot = by_name_[library->name()];
  return std::exchange(slot, std::move(library));
}

std::shared_ptr<const CodecLibrary> CodecRegistry::find(std::string_view name) const {
  std::lock_guard lk(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const CodecLibrary>> CodecRegistry::all() const {
  std::lock_guard lk(mu_);
  std::vector<std::shared_ptr<const CodecLibrary>> out;
  out.reserve(by_name_.size());
  for (const auto& [name, library] : by_name_) out.push_back(library);
  return out;
}

}  // namespace exproto::host
