// The fake host for doctest suites: a host-contract violation (seen inside a host function, where
// nothing may be thrown through the codec's C boundary) is a failed CHECK at the moment it
// happens. Header-only, so the harness library itself stays free of doctest for the fuzzers.
#pragma once

#include "fake_host.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

namespace codectest {

class CheckedHost : public FakeHost {
 public:
  explicit CheckedHost(Options options = {}) : FakeHost(with_fail_check(std::move(options))) {}

 private:
  static Options with_fail_check(Options options) {
    options.on_violation = [](std::string_view what) { FAIL_CHECK(std::string(what)); };
    return options;
  }
};

}  // namespace codectest
