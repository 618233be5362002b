#include <doctest/doctest.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "host/registry/codec_instance.h"
#include "host/registry/codec_library.h"
#include "host/registry/mapped_image.h"
#include "host/registry/descriptor_check.h"
#include "host/registry/elf_check.h"
#include "host/registry/private_copy.h"
#include "host/registry/sha256.h"
#include "test_support.h"

using namespace exproto::host;
using exproto::test::fixture;
using exproto::test::host_api;
using exproto::test::ScratchDir;

namespace {

std::string load_error(const std::filesystem::path& file, const ScratchDir& work) {
  auto lib = CodecLibrary::load(file, work.path(), host_api());
  REQUIRE_FALSE(lib.has_value());
  return lib.error();
}

std::string file_sha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  Sha256 h;
  h.update({reinterpret_cast<const std::byte*>(data.data()), data.size()});
  return h.finish_hex();
}

uintptr_t creation_number(const std::shared_ptr<const CodecLibrary>& lib) {
  auto instance = CodecInstance::create(lib, host_api(), "{}");
  REQUIRE(instance.has_value());
  return reinterpret_cast<uintptr_t>((*instance)->handle());
}

ino_t inode(const std::filesystem::path& file) {
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  return st.st_ino;
}

}  // namespace

TEST_CASE("loader: each bad fixture is refused with its exact reason") {
  ScratchDir work("loader-bad");
  CHECK(load_error(fixture("no_entry"), work) == "not a codec: no symbol exproto_codec_entry_v1");
  CHECK(load_error(fixture("entry_null"), work) == "entry returned no descriptor (the codec refused this host)");
  CHECK(load_error(fixture("abi_major_2"), work) == "ABI major 2 (host has 1)");
  CHECK((load_error(fixture("null_hook"), work) == "hook on_session_bytes is missing"));
  CHECK(load_error(fixture("bad_name"), work) == R"(invalid codec name "Bad Name" (expected [a-z0-9_-]{1,64}))");
  CHECK(load_error(fixture("small_descriptor"), work) ==
        "descriptor struct_size " + std::to_string(offsetof(exproto_codec_descriptor, on_session_result)) +
            " is smaller than ABI 1.0's " + std::to_string(kDescriptorV1Size));
  CHECK(load_error(fixture("not_elf"), work) == "dlopen failed: " + fixture("not_elf").string() + ": invalid ELF header");
  CHECK(load_error(work / "absent.so", work) == "cannot read " + (work / "absent.so").string() + ": No such file or directory");
  // Every refused load removed its private copy again.
  CHECK(std::filesystem::is_empty(work.path()));
}

TEST_CASE("loader: a good codec's descriptor is validated and copied") {
  ScratchDir work("loader-good");
  auto lib = CodecLibrary::load(fixture("good"), work.path(), host_api());
  REQUIRE(lib.has_value());
  const CodecLibrary& l = **lib;
  CHECK(l.name() == "good");
  CHECK(l.version() == "1.2.3");
  CHECK(l.vendor() == "Fixture Works");
  CHECK(l.source() == fixture("good"));
  CHECK(l.sha256() == file_sha256(fixture("good")));
  CHECK(l.sha256().size() == 64);
  const exproto_codec_descriptor& d = l.descriptor();
  CHECK(d.struct_size == sizeof(exproto_codec_descriptor));
  CHECK(d.abi_major == EXPROTO_ABI_MAJOR);
  CHECK(std::string(d.name) == "good");
  CHECK(std::string(d.version) == "1.2.3");
  CHECK((d.on_codec_create != nullptr));
  CHECK((d.on_session_result != nullptr));
  // The private copy is gone once mapped: nothing in the work dir can be overwritten under it.
  CHECK(std::filesystem::is_empty(work.path()));
}

TEST_CASE("loader: a descriptor from a newer minor is accepted, only the known prefix is used") {
  ScratchDir work("loader-big");
  auto lib = CodecLibrary::load(fixture("big_descriptor"), work.path(), host_api());
  REQUIRE(lib.has_value());
  CHECK((*lib)->name() == "big");
  CHECK((*lib)->descriptor().struct_size == sizeof(exproto_codec_descriptor));
  CHECK((*lib)->descriptor().abi_minor == EXPROTO_ABI_MINOR + 7);
  CHECK(((*lib)->descriptor().on_session_result != nullptr));
}

TEST_CASE("loader: an ABI 1.0 descriptor loads without migration hooks, whatever follows it") {
  ScratchDir work("loader-1-0");
  auto lib = CodecLibrary::load(fixture("abi_1_0"), work.path(), host_api());
  REQUIRE_MESSAGE(lib.has_value(), (lib ? "" : lib.error()));
  CHECK((*lib)->descriptor().abi_minor == 0);
  CHECK(((*lib)->descriptor().on_session_result != nullptr));
  CHECK(((*lib)->descriptor().on_session_export == nullptr));
  CHECK(((*lib)->descriptor().on_session_import == nullptr));
}

TEST_CASE("loader: an archive dir keeps the loaded bytes, the private copy is named for unload checks") {
  ScratchDir work("loader-archive");
  auto lib = CodecLibrary::load(fixture("good"), work.path(), host_api(), work.path() / "archive");
  REQUIRE(lib.has_value());
  CHECK(std::filesystem::exists((*lib)->archive_path()));
  CHECK((*lib)->archive_path().filename().string() == "good." + (*lib)->sha256() + ".so");
  CHECK((*lib)->private_path().parent_path() == work.path());
  CHECK_FALSE(std::filesystem::exists((*lib)->private_path()));
}

TEST_CASE("loader: a library with static TLS is refused before any of its code runs") {
  ScratchDir work("loader-tls");
  CHECK(load_error(fixture("static_tls"), work) ==
        "uses static TLS (DF_STATIC_TLS); build it with -ftls-model=global-dynamic so it can be reloaded");
}

TEST_CASE("loader: a released library verifiably leaves the process") {
  ScratchDir work("loader-unload");
  auto lib = CodecLibrary::load(fixture("good"), work.path(), host_api());
  REQUIRE(lib.has_value());
  const auto path = (*lib)->private_path();
  CHECK(is_mapped(path).value());
  lib->reset();
  CHECK_FALSE(is_mapped(path).value());
}

TEST_CASE("loader: two loads of one file are two independent images") {
  ScratchDir work("loader-twice");
  auto first = CodecLibrary::load(fixture("good"), work.path(), host_api());
  auto second = CodecLibrary::load(fixture("good"), work.path(), host_api());
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(((*first)->descriptor().on_codec_create != (*second)->descriptor().on_codec_create));
  // Each image counts its own creations; a shared image would answer 1, 2, 3.
  CHECK(creation_number(*first) == 1);
  CHECK(creation_number(*second) == 1);
  CHECK(creation_number(*first) == 2);
}

TEST_CASE("loader: overwriting the original file in place does not touch the loaded image") {
  ScratchDir work("loader-overwrite-work");
  ScratchDir plugins("loader-overwrite-plugins");
  const auto file = plugins / "codec.so";
  std::filesystem::copy_file(fixture("good"), file);
  auto lib = CodecLibrary::load(file, work.path(), host_api());
  REQUIRE(lib.has_value());

  // What `cp new.so codec.so` does: truncate and rewrite the same inode.
  const auto inode_before = inode(file);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << std::ifstream(fixture("not_elf"), std::ios::binary).rdbuf();
  }
  CHECK(inode(file) == inode_before);

  CHECK(creation_number(*lib) == 1);  // still runs the code it loaded
  CHECK((*lib)->name() == "good");
  CHECK(load_error(file, work) == "dlopen failed: " + file.string() + ": invalid ELF header");
}

TEST_CASE("loader: an empty work dir means the system temp dir") {
  auto lib = CodecLibrary::load(fixture("good"), {}, host_api());
  REQUIRE(lib.has_value());
  CHECK((*lib)->name() == "good");
}

TEST_CASE("loader: only regular files are read, through no symbolic link, up to a size cap") {
  ScratchDir work("loader-files");
  ScratchDir plugins("loader-files-plugins");
  std::filesystem::create_symlink(fixture("good"), plugins / "link.so");
  CHECK(load_error(plugins / "link.so", work) == (plugins / "link.so").string() +
                                                     " is a symbolic link (codecs load only from regular files)");
  // A FIFO would block a plain open() until a writer came: refused at once instead.
  REQUIRE(::mkfifo((plugins / "fifo.so").c_str(), 0600) == 0);
  CHECK(load_error(plugins / "fifo.so", work) == (plugins / "fifo.so").string() + " is not a regular file (a FIFO)");
  std::filesystem::create_directory(plugins / "dir.so");
  CHECK(load_error(plugins / "dir.so", work) == (plugins / "dir.so").string() + " is not a regular file (a directory)");

  auto small = PrivateCopy::make(fixture("good"), work.path(), LoadPolicy{.max_file_bytes = 100});
  REQUIRE_FALSE(small.has_value());
  CHECK(small.error() == fixture("good").string() + " is larger than 100 bytes");
  // Nothing is left behind by a refused copy.
  CHECK(std::filesystem::is_empty(work.path()));
}

TEST_CASE("loader: the one pass copies, hashes and sizes the file, and keeps the copy open for the checks") {
  ScratchDir work("loader-pass");
  auto copy = PrivateCopy::make(fixture("good"), work.path());
  REQUIRE(copy.has_value());
  CHECK(copy->sha256() == file_sha256(fixture("good")));
  CHECK(copy->size() == std::filesystem::file_size(fixture("good")));
  CHECK(file_sha256(copy->path()) == copy->sha256());
  CHECK(copy->fd() >= 0);
  CHECK(check_elf_reloadable(copy->fd(), copy->size()).has_value());
}

TEST_CASE("loader: crafted ELF headers neither wrap the offset arithmetic nor read past the file") {
  ScratchDir work("loader-elf");
  const auto file = work / "crafted.so";
  auto check = [&](const Elf64_Ehdr& eh, const std::vector<Elf64_Phdr>& phdrs, std::size_t pad) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&eh), sizeof eh);
    for (const auto& ph : phdrs) out.write(reinterpret_cast<const char*>(&ph), sizeof ph);
    out << std::string(pad, '\0');
    out.close();
    UniqueFd fd(::open(file.c_str(), O_RDONLY));
    REQUIRE(fd);
    return check_elf_reloadable(fd.get(), std::filesystem::file_size(file));
  };
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  eh.e_phoff = UINT64_MAX - 8;  // would wrap to a small offset
  CHECK(check(eh, {}, 0).has_value());
  eh.e_phoff = sizeof eh;
  Elf64_Phdr dyn{};
  dyn.p_type = PT_DYNAMIC;
  dyn.p_offset = UINT64_MAX - 15;  // wraps with + sizeof(Elf64_Dyn)
  dyn.p_filesz = 64;
  CHECK(check(eh, {dyn}, 0).has_value());
  dyn.p_offset = sizeof eh + sizeof dyn;
  dyn.p_filesz = UINT64_MAX;  // far past the file: nothing is read
  CHECK(check(eh, {dyn}, 64).has_value());
  eh.e_phnum = 0xffff;  // a table longer than the file
  CHECK(check(eh, {dyn}, 0).has_value());

  // The same parser still finds DF_STATIC_TLS when the layout is sound.
  eh.e_phnum = 1;
  dyn.p_filesz = 2 * sizeof(Elf64_Dyn);
  const Elf64_Dyn flags{DT_FLAGS, {DF_STATIC_TLS}};
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&eh), sizeof eh);
    out.write(reinterpret_cast<const char*>(&dyn), sizeof dyn);
    out.write(reinterpret_cast<const char*>(&flags), sizeof flags);
    const Elf64_Dyn end{DT_NULL, {0}};
    out.write(reinterpret_cast<const char*>(&end), sizeof end);
  }
  UniqueFd fd(::open(file.c_str(), O_RDONLY));
  CHECK_FALSE(check_elf_reloadable(fd.get(), std::filesystem::file_size(file)).has_value());
}
