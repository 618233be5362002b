// A link seam for the fuzzers: this file takes the place of host/registry/codec_library.cpp
// (dlopen through Boost.DLL, private copies, hashing, signatures) so that the real CodecInstance,
// Session and Dispatcher can run a codec linked into the fuzzer. load() ignores the file and
// calls the linked-in entry function, then validates its descriptor with the host's own
// check_descriptor, exactly as the real loader does after dlopen. The descriptor copy and the
// accessors are the real ones (host/registry/codec_library_facts.cpp).
#include "host/registry/codec_library.h"

#include "host/registry/codec_library_facts.h"
#include "host/registry/descriptor_check.h"
#include "linked_codec.h"

namespace exproto::host {

struct CodecLibrary::Impl {
  CodecLibraryFacts facts;
};

std::expected<std::shared_ptr<CodecLibrary>, std::string> CodecLibrary::load(const std::filesystem::path& file,
                                                                            const std::filesystem::path&,
                                                                            const exproto_host_api* api,
                                                                            const std::filesystem::path&,
                                                                            const LoadPolicy&,
                                                                            LoadRefusal* refusal) {
  if (api == nullptr) return std::unexpected("no host API table given");
  auto checked = check_descriptor(exproto_codec_entry_v1(api));
  if (!checked) {
    if (refusal != nullptr) *refusal = LoadRefusal::descriptor;
    return std::unexpected(checked.error());
  }
  auto impl = std::make_unique<Impl>();
  impl->facts.source = file;
  impl->facts.adopt(std::move(*checked));
  return std::make_shared<CodecLibrary>(Key{}, std::move(impl));
}

CodecLibrary::CodecLibrary(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CodecLibrary::~CodecLibrary() = default;
const CodecLibraryFacts& CodecLibrary::facts() const { return impl_->facts; }

}  // namespace exproto::host
