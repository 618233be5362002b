// Loading a codec (dlopen or linked-in entry function) and creating its instances.
#include "fake_host.h"

#include <dlfcn.h>

#include <stdexcept>

namespace codectest {

void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

CodecLibrary::CodecLibrary(const std::string& path, FakeHost& host) : host_(host) {
  handle_.reset(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  const char* err = handle_ == nullptr ? dlerror() : nullptr;
  expect(handle_ != nullptr, "dlopen " + path + ": " + (err ? err : "?"));
  void* symbol = dlsym(handle_.get(), EXPROTO_CODEC_ENTRY_SYMBOL);
  expect(symbol != nullptr, path + " lacks " + EXPROTO_CODEC_ENTRY_SYMBOL);
  init(reinterpret_cast<exproto_codec_entry_fn>(symbol), path);
}

CodecLibrary::CodecLibrary(exproto_codec_entry_fn entry, FakeHost& host) : host_(host) { init(entry, "entry"); }

void CodecLibrary::init(exproto_codec_entry_fn entry, const std::string& what) {
  descriptor_ = entry(host_.api());
  expect(descriptor_ != nullptr, what + ": no descriptor");
  expect(descriptor_->struct_size >= sizeof(exproto_codec_descriptor), what + ": descriptor too small");
  expect(descriptor_->abi_major == EXPROTO_ABI_MAJOR, what + ": ABI major mismatch");
}

void CodecLibrary::DlClose::operator()(void* handle) const { dlclose(handle); }

CodecInstance::CodecInstance(const CodecLibrary& library, std::string_view config_json) : library_(library) {
  const auto status = library.descriptor().on_codec_create(
      library.host().api(), &library.host(), {config_json.data(), config_json.size()}, &codec_);
  const auto& logs = library.host().codec_logs;
  expect(status == EXPROTO_STATUS_OK,
         "codec refused config " + std::string(config_json) + ": " + (logs.empty() ? "" : logs.back().text));
}

CodecInstance::~CodecInstance() {
  if (codec_ != nullptr) library_.descriptor().on_codec_destroy(codec_);
}

std::optional<CodecInstance::Refusal> CodecInstance::refuse(const CodecLibrary& library, std::string_view config_json) {
  auto& logs = library.host().codec_logs;
  logs.clear();
  exproto_type_codec_codec_ptr codec = nullptr;
  const auto status = library.descriptor().on_codec_create(
      library.host().api(), &library.host(), {config_json.data(), config_json.size()}, &codec);
  if (status == EXPROTO_STATUS_OK) {
    library.descriptor().on_codec_destroy(codec);
    return std::nullopt;
  }
  Refusal r{status, {}};
  for (const auto& line : logs) {
    if (line.level >= EXPROTO_LOG_WARN) r.reason = line.text;
  }
  return r;
}

}  // namespace codectest
