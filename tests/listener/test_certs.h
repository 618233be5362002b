// Client certificates with chosen subjects, made with the openssl CLI under a TestPki's CA a.
#pragma once

#include <filesystem>
#include <string>

#include "test_pki.h"

namespace ltest {

// Makes "<name>.pem" and "<name>.key" in pki.dir() with subject `subject` (openssl -subj form,
// UTF-8), signed by CA a for client authentication; returns the certificate's path.
std::filesystem::path make_client_cert(const itest::TestPki& pki, const std::string& name, const std::string& subject);

}  // namespace ltest
