# libFuzzer targets for the jt808 codec in the main build (included when EXPROTO_FUZZ is ON; the
# targets themselves are defined in tests/fuzz/fuzzers.cmake, shared with the standalone fuzz
# project that CI runs). Each gets a CTest entry that runs it for ~20 s on a scratch corpus seeded
# from corpus/.
include(${CMAKE_CURRENT_SOURCE_DIR}/../fuzz/fuzzers.cmake)
if(NOT TARGET jt808_fuzz_frame)
  message(WARNING "${JT808_FUZZ_PROBLEM}; jt808 fuzzers skipped")
  return()
endif()

foreach(_name frame session)
  set(_scratch "${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus-${_name}")
  file(MAKE_DIRECTORY "${_scratch}")
  add_test(NAME "jt808: fuzz ${_name} for 20 s"
    COMMAND jt808_fuzz_${_name} -max_total_time=20 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
            "${_scratch}" "${CMAKE_CURRENT_SOURCE_DIR}/corpus/${_name}")
  set_tests_properties("jt808: fuzz ${_name} for 20 s" PROPERTIES TIMEOUT 120 LABELS fuzz)
endforeach()
