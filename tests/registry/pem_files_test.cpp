// read_text_file, which reads the config's TLS files: links followed, but only a regular file of
// at most 1 MiB is read; a FIFO or a device is refused at once instead of hanging start-up.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "host/config/pem_files.h"
#include "test_support.h"

using exproto::host::kMaxTextFileBytes;
using exproto::host::read_text_file;
using exproto::test::ScratchDir;

namespace {

std::string quoted(const std::filesystem::path& p) { return "\"" + p.string() + "\""; }

}  // namespace

TEST_CASE("read_text_file: a regular file, also through a symbolic link, is read whole") {
  ScratchDir dir("pem");
  const auto file = dir.path() / "cert.pem";
  std::ofstream(file) << "-----BEGIN CERTIFICATE-----\n";
  std::filesystem::create_symlink(file, dir.path() / "link.pem");
  CHECK(read_text_file(file).value() == "-----BEGIN CERTIFICATE-----\n");
  CHECK(read_text_file(dir.path() / "link.pem").value() == "-----BEGIN CERTIFICATE-----\n");
  std::ofstream(dir.path() / "empty.pem");
  CHECK(read_text_file(dir.path() / "empty.pem").value().empty());  // the PEM check says what is wrong
}

TEST_CASE("read_text_file: a FIFO, /dev/zero, a directory or a file over 1 MiB is refused at once") {
  ScratchDir dir("pem");
  const auto fifo = dir.path() / "fifo.pem";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto started = std::chrono::steady_clock::now();
  CHECK(read_text_file(fifo).error() == quoted(fifo) + " is not a regular file (a FIFO)");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));  // no wait for a writer
  // Through a link too: the link is followed, what it leads to is checked.
  std::filesystem::create_symlink("/dev/zero", dir.path() / "zero.pem");
  CHECK(read_text_file(dir.path() / "zero.pem").error() ==
        quoted(dir.path() / "zero.pem") + " is not a regular file (a character device)");
  CHECK(read_text_file("/dev/zero").error() == "\"/dev/zero\" is not a regular file (a character device)");
  CHECK(read_text_file(dir.path()).error() == quoted(dir.path()) + " is not a regular file (a directory)");

  const auto big = dir.path() / "big.pem";
  std::ofstream(big) << std::string(kMaxTextFileBytes + 1, 'a');
  CHECK(read_text_file(big).error() == quoted(big) + " is larger than 1 MiB (a TLS file is a few KiB)");
  std::filesystem::resize_file(big, kMaxTextFileBytes);
  CHECK(read_text_file(big).value().size() == kMaxTextFileBytes);  // the cap itself is fine

  CHECK(read_text_file(dir.path() / "missing.pem").error() ==
        "cannot read " + quoted(dir.path() / "missing.pem") + ": No such file or directory");
}
