// A link seam for the fuzzers: this file takes the place of host/registry/codec_library.cpp
// (dlopen through Boost.DLL, private copies, hashing, signatures) so that the real CodecInstance,
// Session and Dispatcher can run a codec linked into the fuzzer. load() ignores the file and
// calls the linked-in entry function, then validates its descriptor with the host's own
// check_descriptor, exactly as the real loader does after dlopen.
#include "host/registry/codec_library.h"

#include "host/registry/descriptor_check.h"
#include "linked_codec.h"

namespace exproto::host {

struct CodecLibrary::Impl {
  exproto_codec_descriptor descriptor{};
  std::string name;
  std::string version;
  std::string vendor;
  std::filesystem::path source;
  std::string sha256;
  std::filesystem::path private_path;
  std::filesystem::path archive_path;
  std::string signer;
  LoadSteps steps;
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
  impl->source = file;
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
const CodecLibrary::LoadSteps& CodecLibrary::load_steps() const { return impl_->steps; }
const std::string& CodecLibrary::signer() const { return impl_->signer; }

}  // namespace exproto::host
