#include "host/registry/codec_instance.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace exproto::host {
namespace {

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case EXPROTO_LOG_TRACE: return spdlog::level::trace;
    case EXPROTO_LOG_DEBUG: return spdlog::level::debug;
    case EXPROTO_LOG_INFO: return spdlog::level::info;
    case EXPROTO_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;  // ERROR, and levels from a future ABI we do not know
  }
}

}  // namespace

CodecInstance::CodecInstance(Key, std::shared_ptr<const CodecLibrary> library)
    : library_(std::move(library)), hooks_(&library_->descriptor()) {}

std::shared_ptr<CodecInstance> CodecInstance::with_runner(std::shared_ptr<const CodecLibrary> library,
                                                          std::shared_ptr<HookRunner> runner) {
  auto instance = std::make_shared<CodecInstance>(Key{}, std::move(library));
  instance->hooks_ = &runner->hooks();
  instance->handle_ = runner->handle();
  instance->runner_ = std::move(runner);
  instance->creating_ = false;
  return instance;  // created_ stays false: the runner, not on_codec_destroy here, ends it
}

std::expected<std::shared_ptr<CodecInstance>, std::string> CodecInstance::create(
    std::shared_ptr<const CodecLibrary> library, const exproto_host_api* api, std::string_view config_json) {
  auto instance = std::make_shared<CodecInstance>(Key{}, std::move(library));
  const std::string& name = instance->library_->name();
  exproto_type_codec_codec_ptr handle = nullptr;
  exproto_type_status status = EXPROTO_STATUS_ERROR;
  try {
    status = instance->hooks().on_codec_create(api, instance.get(),
                                               exproto_type_str{config_json.data(), config_json.size()}, &handle);
  } catch (...) {
    // Forbidden by the ABI; a codec that does it anyway fails creation instead of the host.
    instance->log(EXPROTO_LOG_ERROR, "on_codec_create threw an exception");
  }

  std::lock_guard lock(instance->mu_);
  instance->creating_ = false;
  if (status != EXPROTO_STATUS_OK) {
    const std::string reason = instance->last_problem_.empty() ? "no reason logged" : instance->last_problem_;
    return std::unexpected("codec '" + name + "' failed to create (status " + std::to_string(status) + "): " + reason);
  }
  instance->handle_ = handle;
  instance->created_ = true;
  return instance;
}

CodecInstance::~CodecInstance() {
  if (created_) hooks().on_codec_destroy(handle_);
}

void CodecInstance::log(int32_t level, std::string_view msg) {
  if (level >= EXPROTO_LOG_WARN) {
    std::lock_guard lock(mu_);
    if (creating_) last_problem_.assign(msg);
  }
  spdlog::log(to_spdlog(level), "[codec {}] {}", library_->name(), msg);
}

}  // namespace exproto::host
