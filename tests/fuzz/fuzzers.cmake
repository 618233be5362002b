# The jt808 libFuzzer targets, shared by the standalone fuzz project (tests/fuzz) and the main
# build's EXPROTO_FUZZ option (tests/jt808/fuzz.cmake):
#   jt808_fuzz_frame    the frame receiver, header parser and every body decoder (+ re-encode)
#   jt808_fuzz_session  whole sessions through the shared fake host (bytes, results, timers, downlinks)
# Needs JT808_CORE_SOURCES, JT808_SOURCE_DIR, exproto::plugin_api and nlohmann_json. Defines the
# targets only when the compiler is clang and links -fsanitize=fuzzer; otherwise warns and returns
# (the standalone project turns that into an error).
include(CheckCXXSourceCompiles)
set(JT808_FUZZ_PROBLEM "")
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(JT808_FUZZ_PROBLEM "the jt808 fuzzers need clang (-DCMAKE_CXX_COMPILER=clang++-16)")
  return()
endif()
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_cxx_source_compiles("
  #include <cstddef>
  #include <cstdint>
  extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }" JT808_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT JT808_HAVE_LIBFUZZER)
  set(JT808_FUZZ_PROBLEM "clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev)")
  return()
endif()

include(${CMAKE_CURRENT_LIST_DIR}/../support/fake_host.cmake)
set(_jt808_fuzz_src "${CMAKE_CURRENT_LIST_DIR}/../jt808")
set(_jt808_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
# The harness is compiled here rather than linked as codec_fake_host, so that it is instrumented
# like the codec (the main build's codec_fake_host has no sanitizer flags).
add_library(jt808_fuzz_core STATIC ${JT808_CORE_SOURCES} "${JT808_SOURCE_DIR}/jt808_codec.cpp"
  ${CODEC_FAKE_HOST_SOURCES})
target_include_directories(jt808_fuzz_core PUBLIC "${JT808_SOURCE_DIR}" "${CODEC_FAKE_HOST_DIR}")
target_link_libraries(jt808_fuzz_core PUBLIC exproto::plugin_api nlohmann_json::nlohmann_json ${CMAKE_DL_LIBS})
target_compile_options(jt808_fuzz_core PUBLIC ${_jt808_san} -fsanitize=fuzzer-no-link)
target_link_options(jt808_fuzz_core PUBLIC ${_jt808_san})

foreach(_name frame session)
  add_executable(jt808_fuzz_${_name} "${_jt808_fuzz_src}/fuzz_${_name}.cpp")
  target_link_libraries(jt808_fuzz_${_name} PRIVATE jt808_fuzz_core)
  target_link_options(jt808_fuzz_${_name} PRIVATE -fsanitize=fuzzer)
endforeach()
