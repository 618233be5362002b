// The plugins folder's trust rules at load time: signatures by trusted keys (plugins.trusted_keys,
// plugins.require_signature) and the owner-and-mode rule (plugins.trust = "strict").
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../support/codec_signing.h"
#include "host/registry/codec_library.h"
#include "host/registry/codec_signature.h"
#include "test_support.h"

using namespace exproto::host;
using exproto::test::fixture;
using exproto::test::host_api;
using exproto::test::ScratchDir;
using exproto::test::TestSigningKey;

namespace {

std::filesystem::path install(const ScratchDir& plugins, const std::string& name = "good") {
  const auto file = plugins / (name + ".so");
  std::filesystem::copy_file(fixture(name), file, std::filesystem::copy_options::overwrite_existing);
  return file;
}

std::expected<std::shared_ptr<CodecLibrary>, std::string> load(const std::filesystem::path& file, const ScratchDir& work,
                                                              const LoadPolicy& policy,
                                                              const std::filesystem::path& archive = {}) {
  return CodecLibrary::load(file, work.path(), host_api(), archive, policy);
}

}  // namespace

TEST_CASE("signature: the signed text names the file's SHA-256 and the .sig format round-trips") {
  const std::string sha(64, 'a');
  CHECK(signed_text(sha) == "exproto-codec-signature 1\nsha256 " + sha + "\n");
  CodecSignature sig{sha, std::vector<uint8_t>(64, 7)};
  auto back = parse_signature_file(format_signature_file(sig));
  REQUIRE(back.has_value());
  CHECK(back->sha256 == sha);
  CHECK(back->signature == sig.signature);
  CHECK(parse_signature_file("hello").error() == "line 1: expected \"exproto-codec-signature 1\"");
  CHECK(parse_signature_file("exproto-codec-signature 1\nsha256 xyz\n").error() ==
        "line 2: expected \"sha256 <64 lower-case hex digits>\"");
  CHECK(parse_signature_file(signed_text(sha) + "signature AAAA\n").error() ==
        "line 3: expected \"signature <base64 of 64 bytes>\"");
  CHECK(parse_signature_file(format_signature_file(sig) + "more").error() ==
        "line 4: unexpected text after the signature");
  CHECK_FALSE(parse_public_key("not base64!").has_value());
  CHECK_FALSE(parse_public_key(format_public_key(Ed25519PublicKey{}) + "AAAA").has_value());
  CHECK(parse_public_key(format_public_key(Ed25519PublicKey{1, 2, 3})).value() == Ed25519PublicKey{1, 2, 3});
}

TEST_CASE("signature: a codec signed by a trusted key loads and says who signed it; others are refused") {
  ScratchDir work("trust-sig-work");
  ScratchDir plugins("trust-sig-plugins");
  const TestSigningKey vendor, stranger;
  LoadPolicy policy;
  policy.trusted_keys = {vendor.trusted("acme")};
  policy.require_signature = true;
  const auto file = install(plugins);
  const std::string sig_path = file.string() + ".sig";

  // Unsigned, while signatures are required.
  CHECK(load(file, work, policy).error() == "unsigned: no " + sig_path + " (plugins.require_signature is on)");

  vendor.sign(file);
  auto lib = load(file, work, policy, work.path() / "archive");
  REQUIRE(lib.has_value());
  CHECK((*lib)->signer() == "acme");
  // The archived bytes keep their signature, so a rollback can check it again.
  std::filesystem::path archived_sig = (*lib)->archive_path();
  archived_sig += ".sig";
  CHECK(std::filesystem::exists(archived_sig));
  auto again = load((*lib)->archive_path(), work, policy);
  REQUIRE(again.has_value());
  CHECK((*again)->signer() == "acme");

  stranger.sign(file);
  CHECK(load(file, work, policy).error() == "signature " + sig_path + ": no trusted key made this signature");

  // A signature for other bytes (the file changed after signing).
  vendor.sign(file, std::string(64, 'b'));
  CHECK(load(file, work, policy).error() ==
        "signature " + sig_path + ": the signature is for other bytes (sha256 " + std::string(64, 'b') + ")");

  std::ofstream(sig_path, std::ios::trunc) << "garbage";
  CHECK(load(file, work, policy).error() == "signature " + sig_path + ": line 1: expected \"exproto-codec-signature 1\"");

  // Not required: unsigned files load, but a signature present is still checked.
  policy.require_signature = false;
  stranger.sign(file);
  CHECK(load(file, work, policy).error() == "signature " + sig_path + ": no trusted key made this signature");
  std::filesystem::remove(sig_path);
  auto unsigned_lib = load(file, work, policy);
  REQUIRE(unsigned_lib.has_value());
  CHECK((*unsigned_lib)->signer().empty());

  // A symlinked signature is refused like a symlinked codec.
  std::filesystem::create_symlink("/dev/zero", sig_path);
  CHECK(load(file, work, policy).error() ==
        "signature " + sig_path + ": " + sig_path + " is a symbolic link (codecs load only from regular files)");
}

TEST_CASE("trust: with owner_and_mode a codec or folder writable by others is refused, naming the rule") {
  ScratchDir work("trust-mode-work");
  ScratchDir plugins("trust-mode-plugins");
  LoadPolicy strict;
  strict.owner_and_mode = true;
  const auto file = install(plugins);
  std::filesystem::permissions(plugins.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(file, std::filesystem::perms(0644));
  REQUIRE(load(file, work, strict).has_value());

  std::filesystem::permissions(file, std::filesystem::perms(0666));
  CHECK(load(file, work, strict).error() ==
        "refused by plugins.trust \"strict\": " + file.string() + " is writable by group or others (mode 0666)");
  CHECK(load(file, work, LoadPolicy{}).has_value());  // the rule is the policy's, not the loader's
  std::filesystem::permissions(file, std::filesystem::perms(0644));

  std::filesystem::permissions(plugins.path(), std::filesystem::perms(0775));
  CHECK(load(file, work, strict).error() == "refused by plugins.trust \"strict\": its folder " +
                                                plugins.path().string() + " is writable by group or others (mode 0775)");
  std::filesystem::permissions(plugins.path(), std::filesystem::perms(0755));
  REQUIRE(load(file, work, strict).has_value());
}

TEST_CASE("trust: a codec owned by another user is refused (needs root to arrange: CI runs as root)") {
  ScratchDir work("trust-owner-work");
  ScratchDir plugins("trust-owner-plugins");
  LoadPolicy strict;
  strict.owner_and_mode = true;
  const auto file = install(plugins);
  if (::geteuid() != 0) {
    // Without root the file cannot be given away; what can be checked is that our own passes.
    CHECK(load(file, work, strict).has_value());
    return;
  }
  REQUIRE(::chown(file.c_str(), 4242, 4242) == 0);
  CHECK(load(file, work, strict).error() == "refused by plugins.trust \"strict\": " + file.string() +
                                                " is owned by uid 4242 (only root or uid 0, the host's user, may own it)");
  REQUIRE(::chown(file.c_str(), 0, 0) == 0);
  CHECK(load(file, work, strict).has_value());
}
