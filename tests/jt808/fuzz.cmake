# libFuzzer targets for the jt808 codec (included when EXPROTO_FUZZ is ON):
#   jt808_fuzz_frame    the frame receiver, header parser and every body decoder (+ re-encode)
#   jt808_fuzz_session  whole sessions through the fake host (bytes, results, timers, downlinks)
# Each gets a CTest entry that runs it for ~20 s on a scratch corpus seeded from corpus/.
include(CheckCXXSourceCompiles)
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(WARNING "EXPROTO_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++-14); jt808 fuzzers skipped")
  return()
endif()
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_cxx_source_compiles("
  #include <cstddef>
  #include <cstdint>
  extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }" JT808_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT JT808_HAVE_LIBFUZZER)
  message(WARNING "clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev); jt808 fuzzers skipped")
  return()
endif()

set(_jt808_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_library(jt808_fuzz_core STATIC ${JT808_CORE_SOURCES} "${JT808_SOURCE_DIR}/jt808_codec.cpp"
  "${CMAKE_CURRENT_SOURCE_DIR}/fake_host.cpp")
target_include_directories(jt808_fuzz_core PUBLIC "${JT808_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
target_link_libraries(jt808_fuzz_core PUBLIC exproto::plugin_api nlohmann_json::nlohmann_json ${CMAKE_DL_LIBS})
target_compile_options(jt808_fuzz_core PUBLIC ${_jt808_san} -fsanitize=fuzzer-no-link)
target_link_options(jt808_fuzz_core PUBLIC ${_jt808_san})

foreach(_name frame session)
  add_executable(jt808_fuzz_${_name} fuzz_${_name}.cpp)
  target_link_libraries(jt808_fuzz_${_name} PRIVATE jt808_fuzz_core)
  target_link_options(jt808_fuzz_${_name} PRIVATE -fsanitize=fuzzer)
  set(_scratch "${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus-${_name}")
  file(MAKE_DIRECTORY "${_scratch}")
  add_test(NAME "jt808: fuzz ${_name} for 20 s"
    COMMAND jt808_fuzz_${_name} -max_total_time=20 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
            "${_scratch}" "${CMAKE_CURRENT_SOURCE_DIR}/corpus/${_name}")
  set_tests_properties("jt808: fuzz ${_name} for 20 s" PROPERTIES TIMEOUT 120 LABELS fuzz)
endforeach()
