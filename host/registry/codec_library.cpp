#include "host/registry/codec_library.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <fstream>
#include <utility>

#include "host/registry/codec_library_facts.h"
#include "host/registry/descriptor_check.h"
#include "host/registry/elf_check.h"
#include "host/registry/private_copy.h"
#include "host/registry/signature_check.h"

namespace exproto::host {

struct CodecLibrary::Impl {
  // Declared first so it is destroyed last: nothing else here may point into an unloaded image.
  boost::dll::shared_library library;
  CodecLibraryFacts facts;
};

namespace {

using EntryFn = const exproto_codec_descriptor*(const exproto_host_api*);
using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point& mark) {
  const auto now = Clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(now - std::exchange(mark, now));
}

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

// Writes "<archived>.sig" (temp file + rename, so a rollback never reads half of one).
void keep_signature(const std::filesystem::path& archived, const std::string& text) {
  std::filesystem::path sig = archived;
  sig += ".sig";
  std::filesystem::path temp = sig;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return;  // the rollback then reports the file unsigned
  }
  std::error_code ec;
  std::filesystem::permissions(temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  std::filesystem::rename(temp, sig, ec);
}

}  // namespace

std::expected<std::shared_ptr<CodecLibrary>, std::string> CodecLibrary::load(const std::filesystem::path& file,
                                                                            const std::filesystem::path& work_dir,
                                                                            const exproto_host_api* api,
                                                                            const std::filesystem::path& archive_dir,
                                                                            const LoadPolicy& policy,
                                                                            LoadRefusal* refusal) {
  // Each refusal below says which check it was, for the bounded metrics label.
  const auto refuse = [refusal](LoadRefusal why, std::string message) {
    if (refusal != nullptr) *refusal = why;
    return std::unexpected(std::move(message));
  };
  if (api == nullptr) return refuse(LoadRefusal::not_a_codec, "no host API table given");
  auto impl = std::make_unique<Impl>();
  impl->facts.source = file;
  {
    auto copy = PrivateCopy::make(file, work_dir.empty() ? std::filesystem::temp_directory_path() : work_dir, policy);
    if (!copy) return refuse(LoadRefusal::file, copy.error());
    auto mark = Clock::now();
    impl->facts.steps.copy_hash = copy->took();
    impl->facts.steps.bytes = copy->size();
    impl->facts.sha256 = copy->sha256();
    // Checked on the private copy (the exact bytes dlopen will map) before any of its code runs.
    auto signature = check_signature(file, impl->facts.sha256, policy);
    if (!signature) return refuse(LoadRefusal::signature, signature.error());
    impl->facts.signer = signature->signer;
    if (auto reloadable = check_elf_reloadable(copy->fd(), copy->size()); !reloadable) {
      return refuse(LoadRefusal::elf, reloadable.error());
    }
    impl->facts.steps.checks = since(mark);
    // RTLD_NOW: an unresolved symbol fails here, not in the middle of a session.
    // RTLD_LOCAL: two codecs (or two generations of one) never bind to each other's symbols.
    boost::dll::fs::error_code ec;
    ::dlerror();  // clear a stale message so the one reported is this load's
    impl->library.load(boost::dll::fs::path(copy->path().native()), ec,
                       boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    if (ec || !impl->library.is_loaded()) return refuse(LoadRefusal::dlopen, dlopen_error(copy->path(), file));
    impl->facts.steps.dlopen = since(mark);
    impl->facts.private_path = copy->path();
    if (!archive_dir.empty()) {
      // Content-addressed: the same bytes loaded twice share one archive entry.
      std::error_code aec;
      if (std::filesystem::create_directories(archive_dir, aec)) {
        std::filesystem::permissions(archive_dir, std::filesystem::perms::owner_all, aec);  // 0700: ours alone
      }
      const auto archived = archive_dir / (file.stem().string() + "." + impl->facts.sha256 + ".so");
      if (!std::filesystem::exists(archived, aec)) std::filesystem::create_hard_link(copy->path(), archived, aec);
      if (!aec) impl->facts.archive_path = archived;
      // A rollback checks the archived bytes' signature like any load: it must travel with them.
      if (!aec && signature->text) keep_signature(archived, *signature->text);
    }
  }  // the copy is unlinked here; the mapping keeps the image alive

  auto mark = Clock::now();
  if (!impl->library.has(EXPROTO_CODEC_ENTRY_SYMBOL)) {
    return refuse(LoadRefusal::not_a_codec, std::string("not a codec: no symbol ") + EXPROTO_CODEC_ENTRY_SYMBOL);
  }
  auto& entry = impl->library.get<EntryFn>(EXPROTO_CODEC_ENTRY_SYMBOL);
  const exproto_codec_descriptor* raw = nullptr;
  try {
    raw = entry(api);
  } catch (...) {
    // The ABI forbids it, but a C++ codec built without the SDK can still throw; refuse the
    // file rather than let it unwind through the loader.
    return refuse(LoadRefusal::not_a_codec, "the entry function threw an exception");
  }
  auto checked = check_descriptor(raw);
  if (!checked) return refuse(LoadRefusal::descriptor, checked.error());

  impl->facts.adopt(std::move(*checked));
  impl->facts.steps.entry = since(mark);
  return std::make_shared<CodecLibrary>(Key{}, std::move(impl));
}

CodecLibrary::CodecLibrary(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CodecLibrary::~CodecLibrary() = default;
const CodecLibraryFacts& CodecLibrary::facts() const { return impl_->facts; }

}  // namespace exproto::host
