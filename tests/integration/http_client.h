// Plain HTTP/1.1 against the host's metrics endpoint on loopback, for tests.
#pragma once

#include <cstdint>
#include <string>

namespace itest {

// One exchange on 127.0.0.1:`port`; the whole answer as text, "" if nothing came (5 s timeout).
std::string http(uint16_t port, const std::string& request);
// GET `path`; the whole answer, status line and headers included.
std::string http_get(uint16_t port, const std::string& path);

}  // namespace itest
