// One load of a codec shared library: a private copy of the file, opened RTLD_NOW|RTLD_LOCAL
// through Boost.DLL, its entry called and its descriptor validated and copied.
#pragma once

#include <exproto/codec_abi.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "host/registry/load_policy.h"
#include "host/registry/load_refusal.h"

namespace exproto::host {

struct CodecLibraryFacts;

class CodecLibrary {
 public:
  // Loads `file`. `work_dir` receives the private copy (removed again once mapped, so that an
  // in-place overwrite of `file` can never touch the running image and dlopen never returns a
  // cached handle); an empty `work_dir` means the system temp dir. Errors are one line naming the
  // reason, e.g. "ABI major 2 (host has 1)", "not a codec: no symbol exproto_codec_entry_v1",
  // "hook on_session_bytes is missing", "dlopen failed: <file>: invalid ELF header".
  // `policy`: the file rules (size, owner and mode, signature); their errors are open_trusted()'s
  // and check_signature()'s.
  // With a non-empty `archive_dir`, the exact bytes loaded are also kept there as
  // "<file stem>.<sha256>.so" (a hard link to the private copy), so a rollback can load them again after the
  // plugins folder changed. A refusal also sets `*refusal` (when given) to the check that made it.
  static std::expected<std::shared_ptr<CodecLibrary>, std::string> load(const std::filesystem::path& file,
                                                                      const std::filesystem::path& work_dir,
                                                                      const exproto_host_api* api,
                                                                      const std::filesystem::path& archive_dir = {},
                                                                      const LoadPolicy& policy = {},
                                                                      LoadRefusal* refusal = nullptr);
  ~CodecLibrary();
  CodecLibrary(const CodecLibrary&) = delete;
  CodecLibrary& operator=(const CodecLibrary&) = delete;

  // The validated descriptor (a host-side copy; hooks are all non-null).
  const exproto_codec_descriptor& descriptor() const;
  const std::string& name() const;
  const std::string& version() const;
  const std::string& vendor() const;
  const std::filesystem::path& source() const;  // the file in the plugins folder
  const std::string& sha256() const;            // of the file as loaded, hex
  // The private copy the image was mapped from (gone from the folder; /proc/self/maps still
  // names it while the image is mapped, which is how an unload is verified).
  const std::filesystem::path& private_path() const;
  const std::filesystem::path& archive_path() const;  // empty without an archive_dir

  // Where the time of this load went (a reload's landing-to-serving time is a product goal).
  struct LoadSteps {
    std::chrono::microseconds copy_hash{0};  // the one pass over the file: copy, SHA-256, size
    std::chrono::microseconds checks{0};     // ELF checks on the copy
    std::chrono::microseconds dlopen{0};     // mapping, relocation, the library's constructors
    std::chrono::microseconds entry{0};      // the entry function and the descriptor checks
    uint64_t bytes = 0;                      // size of the file
  };
  const LoadSteps& load_steps() const;
  // The name of the trusted key that signed the bytes (plugins.trusted_keys); empty when unsigned
  // or when no keys are configured.
  const std::string& signer() const;

  struct Impl;
  struct Key {  // only load() can make one, so only load() constructs (and make_shared still works)
   private:
    friend class CodecLibrary;
    Key() = default;
  };
  CodecLibrary(Key, std::unique_ptr<Impl> impl);  // use load()

 private:
  // What the accessors read (host/registry/codec_library_facts.h); defined beside Impl.
  const CodecLibraryFacts& facts() const;

  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::host
