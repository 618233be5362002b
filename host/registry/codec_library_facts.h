// What a load of a codec keeps besides the mapped image: the checked descriptor (a host-side copy
// whose strings point at the members here), where the bytes came from and what the load cost.
// One definition for the real loader (codec_library.cpp) and the fuzzers' link seam
// (tests/fuzz/host/linked_codec_library.cpp); CodecLibrary's accessors read it
// (codec_library_facts.cpp), whichever of the two did the load.
#pragma once

#include <exproto/codec_abi.h>

#include <filesystem>
#include <string>

#include "host/registry/codec_library.h"
#include "host/registry/descriptor_check.h"

namespace exproto::host {

struct CodecLibraryFacts {
  exproto_codec_descriptor descriptor{};  // host copy; name/version/vendor point at the strings below
  std::string name;
  std::string version;
  std::string vendor;
  std::filesystem::path source;
  std::string sha256;
  std::filesystem::path private_path;
  std::filesystem::path archive_path;
  std::string signer;
  CodecLibrary::LoadSteps steps;

  CodecLibraryFacts() = default;
  CodecLibraryFacts(const CodecLibraryFacts&) = delete;  // the descriptor points into it
  CodecLibraryFacts& operator=(const CodecLibraryFacts&) = delete;

  // Keeps `checked` as the descriptor, its strings owned here.
  void adopt(CheckedDescriptor checked);
};

}  // namespace exproto::host
