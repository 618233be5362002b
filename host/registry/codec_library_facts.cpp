#include "host/registry/codec_library_facts.h"

#include <utility>

namespace exproto::host {

void CodecLibraryFacts::adopt(CheckedDescriptor checked) {
  descriptor = checked.hooks;
  name = std::move(checked.name);
  version = std::move(checked.version);
  vendor = std::move(checked.vendor);
  descriptor.name = name.c_str();
  descriptor.version = version.c_str();
  descriptor.vendor = vendor.c_str();
}

const exproto_codec_descriptor& CodecLibrary::descriptor() const { return facts().descriptor; }
const std::string& CodecLibrary::name() const { return facts().name; }
const std::string& CodecLibrary::version() const { return facts().version; }
const std::string& CodecLibrary::vendor() const { return facts().vendor; }
const std::filesystem::path& CodecLibrary::source() const { return facts().source; }
const std::string& CodecLibrary::sha256() const { return facts().sha256; }
const std::filesystem::path& CodecLibrary::private_path() const { return facts().private_path; }
const std::filesystem::path& CodecLibrary::archive_path() const { return facts().archive_path; }
const CodecLibrary::LoadSteps& CodecLibrary::load_steps() const { return facts().steps; }
const std::string& CodecLibrary::signer() const { return facts().signer; }

}  // namespace exproto::host
