#include "host/registry/codec_library.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <utility>

#include "host/registry/descriptor_check.h"
#include "host/registry/elf_check.h"
#include "host/registry/private_copy.h"

namespace exproto::host {

struct CodecLibrary::Impl {
  // Declared first so it is destroyed last: nothing else here may point into an unloaded image.
  boost::dll::shared_library library;
  exproto_codec_descriptor descriptor{};  // host copy; name/version/vendor point at the strings below
  std::string name;
  std::string version;
  std::string vendor;
  std::filesystem::path source;
  std::string sha256;
  std::filesystem::path private_path;
  std::filesystem::path archive_path;
};

namespace {

using EntryFn = const exproto_codec_descriptor*(const exproto_host_api*);

// dlerror() names the file it opened, i.e. the private copy; the operator knows the original.
std::string dlopen_error(const std::filesystem::path& copy, const std::filesystem::path& source) {
  const char* raw = ::dlerror();
  std::string text = raw != nullptr ? raw : "unknown error";
  for (auto pos = text.find(copy.string()); pos != std::string::npos; pos = text.find(copy.string(), pos)) {
    text.replace(pos, copy.string().size(), source.string());
    pos += source.string().size();
  }
  return "dlopen failed: " + text;
}

}  // namespace

std::expected<std::shared_ptr<CodecLibrary>, std::string> CodecLibrary::load(const std::filesystem::path& file,
                                                                            const std::filesystem::path& work_dir,
                                                                            const exproto_host_api* api,
                                                                            const std::filesystem::path& archive_dir) {
  if (api == nullptr) return std::unexpected("no host API table given");
  auto impl = std::make_unique<Impl>();
  impl->source = file;
  {
    auto copy = PrivateCopy::make(file, work_dir.empty() ? std::filesystem::temp_directory_path() : work_dir);
    if (!copy) return std::unexpected(copy.error());
    impl->sha256 = copy->sha256();
    // Checked on the private copy (the exact bytes dlopen will map) before any of its code runs.
    if (auto reloadable = check_elf_reloadable(copy->path()); !reloadable) return std::unexpected(reloadable.error());
    // RTLD_NOW: an unresolved symbol fails here, not in the middle of a session.
    // RTLD_LOCAL: two codecs (or two generations of one) never bind to each other's symbols.
    boost::dll::fs::error_code ec;
    ::dlerror();  // clear a stale message so the one reported is this load's
    impl->library.load(boost::dll::fs::path(copy->path().native()), ec,
                       boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    if (ec || !impl->library.is_loaded()) return std::unexpected(dlopen_error(copy->path(), file));
    impl->private_path = copy->path();
    if (!archive_dir.empty()) {
      // Content-addressed: the same bytes loaded twice share one archive entry.
      std::error_code aec;
      std::filesystem::create_directories(archive_dir, aec);
      const auto archived = archive_dir / (file.stem().string() + "." + impl->sha256 + ".so");
      if (!std::filesystem::exists(archived, aec)) std::filesystem::create_hard_link(copy->path(), archived, aec);
      if (!aec) impl->archive_path = archived;
    }
  }  // the copy is unlinked here; the mapping keeps the image alive

  if (!impl->library.has(EXPROTO_CODEC_ENTRY_SYMBOL)) {
    return std::unexpected(std::string("not a codec: no symbol ") + EXPROTO_CODEC_ENTRY_SYMBOL);
  }
  auto& entry = impl->library.get<EntryFn>(EXPROTO_CODEC_ENTRY_SYMBOL);
  const exproto_codec_descriptor* raw = nullptr;
  try {
    raw = entry(api);
  } catch (...) {
    // The ABI forbids it, but a C++ codec built without the SDK can still throw; refuse the
    // file rather than let it unwind through the loader.
    return std::unexpected("the entry function threw an exception");
  }
  auto checked = check_descriptor(raw);
  if (!checked) return std::unexpected(checked.error());

  impl->descriptor = checked->hooks;
  impl->name = std::move(checked->name);
  impl->version = std::move(checked->version);
  impl->vendor = std::move(checked->vendor);
  impl->descriptor.name = impl->name.c_str();
  impl->descriptor.version = impl->version.c_str();
  impl->descriptor.vendor = impl->vendor.c_str();
  return std::make_shared<CodecLibrary>(Key{}, std::move(impl));
}

CodecLibrary::CodecLibrary(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CodecLibrary::~CodecLibrary() = default;

const exproto_codec_descriptor& CodecLibrary::descriptor() const { return impl_->descriptor; }
const std::string& CodecLibrary::name() const { return impl_->name; }
const std::string& CodecLibrary::version() const { return impl_->version; }
const std::string& CodecLibrary::vendor() const { return impl_->vendor; }
const std::filesystem::path& CodecLibrary::source() const { return impl_->source; }
const std::string& CodecLibrary::sha256() const { return impl_->sha256; }
const std::filesystem::path& CodecLibrary::private_path() const { return impl_->private_path; }
const std::filesystem::path& CodecLibrary::archive_path() const { return impl_->archive_path; }

}  // namespace exproto::host
