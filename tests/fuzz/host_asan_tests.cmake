# The host core's unit tests (sessions, dispatcher, sequencing, timers, reliability, inline
# dispatch) and the config parser's tests rebuilt under ASan + UBSan (issue 10): the same test
# sources as host_unit_tests and registry_tests, linked against host_fuzz_core — the instrumented host sources the fuzzers already compile — with the
# unit tests' echo codec linked in through the same link seam instead of dlopen'ed. Run by the
# CTest test "asan: …" (run_asan_tests.sh); built by the standalone fuzz project only.
# Included after host_fuzzers.cmake defined host_fuzz_core.
find_package(doctest REQUIRED)

set(_unit "${_root}/tests/unit")
add_executable(host_asan_unit_tests
  ${_unit}/main.cpp ${_unit}/harness.cpp ${_unit}/echo_codec.cpp
  ${_unit}/session_test.cpp ${_unit}/dispatcher_test.cpp ${_unit}/reliability_test.cpp
  ${_unit}/inline_dispatch_test.cpp ${_unit}/timer_service_test.cpp
  ${_root}/tests/registry/config_test.cpp ${_root}/tests/registry/security_config_test.cpp
  ${_root}/host/session/reconciler.cpp)
# The harness names the codec file to load; the link seam ignores it and uses the linked entry.
target_compile_definitions(host_asan_unit_tests PRIVATE UNIT_ECHO_CODEC="linked-in:unit_echo_codec"
  EXPROTO_EXAMPLE_CONFIG_DIR="${_root}/config")
target_link_libraries(host_asan_unit_tests PRIVATE host_fuzz_core doctest::doctest)
