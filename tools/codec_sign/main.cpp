// exproto-codec-sign keygen NAME | sign --key NAME.key CODEC.so... | verify --public-key KEY CODEC.so...
//
// The vendor side of signed codecs. keygen makes an Ed25519 key pair (NAME.key, kept by the
// vendor, mode 0600) and prints the public half as the operator's `plugins.trusted_keys` entry;
// sign writes "<codec>.so.sig" beside each codec; verify checks a signature the way the host
// will. Exit status: 0 done, 1 a file failed, 2 bad usage.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "host/registry/codec_signature.h"
#include "host/registry/sha256.h"
#include "signing_key.h"

namespace {

using exproto::host::CodecSignature;

std::expected<std::string, std::string> file_sha256(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + file);
  exproto::host::Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update({reinterpret_cast<const std::byte*>(buffer.data()), static_cast<std::size_t>(in.gcount())});
  }
  if (in.bad()) return std::unexpected("cannot read " + file);
  return hash.finish_hex();
}

int keygen(const std::string& name) {
  auto key = codec_sign::SigningKey::generate();
  if (!key) {
    std::cerr << key.error() << "\n";
    return 1;
  }
  if (auto written = key->write(name + ".key"); !written) {
    std::cerr << written.error() << "\n";
    return 1;
  }
  const std::string pub = exproto::host::format_public_key(key->public_key());
  std::cout << "private key: " << name << ".key (keep it offline; anyone holding it can sign codecs)\n"
            << "public key:  " << pub << "\n"
            << "for the host's config, plugins.trusted_keys:\n"
            << "  {\"name\": \"" << name << "\", \"public_key\": \"" << pub << "\"}\n";
  return 0;
}

int sign(const std::string& key_file, const std::vector<std::string>& files) {
  auto key = codec_sign::SigningKey::read(key_file);
  if (!key) {
    std::cerr << key.error() << "\n";
    return 1;
  }
  int status = 0;
  for (const auto& file : files) {
    auto sha = file_sha256(file);
    if (!sha) {
      std::cerr << sha.error() << "\n";
      status = 1;
      continue;
    }
    CodecSignature sig{*sha, key->sign(exproto::host::signed_text(*sha))};
    // Written beside the codec under a temporary name and renamed: the host may be watching.
    const std::string out = file + ".sig";
    const std::string temp = file + ".sig.tmp";
    {
      std::ofstream o(temp, std::ios::binary | std::ios::trunc);
      o << exproto::host::format_signature_file(sig);
      if (!o) {
        std::cerr << "cannot write " << temp << "\n";
        status = 1;
        continue;
      }
    }
    if (std::rename(temp.c_str(), out.c_str()) != 0) {
      std::cerr << "cannot write " << out << "\n";
      status = 1;
      continue;
    }
    std::cout << out << ": sha256 " << *sha << "\n";
  }
  return status;
}

int verify(const std::string& public_key, const std::vector<std::string>& files) {
  auto key = exproto::host::parse_public_key(public_key);
  if (!key) {
    std::cerr << "--public-key: " << key.error() << "\n";
    return 2;
  }
  const std::vector<exproto::host::TrustedKey> keys{{"the given key", *key}};
  int status = 0;
  for (const auto& file : files) {
    auto sha = file_sha256(file);
    std::ifstream in(file + ".sig", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    auto sig = exproto::host::parse_signature_file(text);
    std::expected<std::string, std::string> ok = std::unexpected(std::string());
    if (!sha) ok = std::unexpected(sha.error());
    else if (!in && text.empty()) ok = std::unexpected("no " + file + ".sig");
    else if (!sig) ok = std::unexpected(file + ".sig: " + sig.error());
    else ok = exproto::host::verify_codec_signature(*sig, *sha, keys);
    std::cout << file << ": " << (ok ? "good signature" : ok.error()) << "\n";
    if (!ok) status = 1;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exproto-codec-sign: Ed25519 keys and detached signatures for exproto-host codecs"};
  app.require_subcommand(1);
  std::string name, key_file, public_key;
  std::vector<std::string> files;
  auto* k = app.add_subcommand("keygen", "make NAME.key and print its public key for plugins.trusted_keys");
  k->add_option("name", name, "the key's name (also its name in the host's config)")->required();
  auto* s = app.add_subcommand("sign", "write CODEC.so.sig beside each codec");
  s->add_option("--key", key_file, "the private key file made by keygen")->required();
  s->add_option("codecs", files, "codec files")->required();
  auto* v = app.add_subcommand("verify", "check CODEC.so.sig as the host does");
  v->add_option("--public-key", public_key, "base64 public key (as in plugins.trusted_keys)")->required();
  v->add_option("codecs", files, "codec files")->required();
  CLI11_PARSE(app, argc, argv);
  if (k->parsed()) return keygen(name);
  if (s->parsed()) return sign(key_file, files);
  return verify(public_key, files);
}
