# The host's own libFuzzer targets (issue 10 item 6), built by the standalone fuzz project only:
#   host_fuzz_config      parse_config on arbitrary text (strict JSON, key paths, one-line errors)
#   host_fuzz_events      event sequences through the real Dispatcher, Sessions, WorkerPool and
#                         TimerService with a linked-in test codec, checking acks, leaks, hook order
#   host_fuzz_elf_check   check_elf_reloadable on arbitrary files (through a memfd)
#   host_fuzz_descriptor  check_descriptor on descriptors whose fields come from the input
#   host_fuzz_signature   parse_signature_file / parse_public_key (+ their format round trips)
#   host_fuzz_mqtt_packet the MQTT decoder on broker bytes: whole vs split reads, encode round trips
# Only the gRPC-free host sources they need are compiled, once, into one instrumented library;
# host/registry/codec_library.cpp (dlopen through Boost.DLL) is replaced by a link seam that takes
# the test codec's entry function instead; the descriptor copy and accessors
# (codec_library_facts.cpp) are the host's own.
# Included after fuzzers.cmake found clang with libFuzzer; needs _root, exproto::plugin_api and
# nlohmann_json; sets HOST_FUZZ_PROBLEM when it cannot build.
include(CheckCXXSourceCompiles)
set(HOST_FUZZ_PROBLEM "")
# libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002L. Clang 16 implements what
# that needs (P0848, conditionally trivial special members) but still reports 201907L, so the
# macro is raised for these sources; clang 14 lacks P0848 and cannot build the host at all.
set(_host_fuzz_std -Wno-builtin-macro-redefined -U__cpp_concepts -D__cpp_concepts=202002L)
set(CMAKE_REQUIRED_FLAGS "-std=c++2b -Wno-builtin-macro-redefined -U__cpp_concepts -D__cpp_concepts=202002L")
check_cxx_source_compiles("
  #include <expected>
  #include <string>
  std::expected<std::string, std::string> f() { return std::unexpected(std::string(\"x\")); }
  int main() { return f().has_value() ? 1 : 0; }" HOST_FUZZ_HAVE_EXPECTED)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT HOST_FUZZ_HAVE_EXPECTED)
  set(HOST_FUZZ_PROBLEM "the host fuzzers need clang >= 16 for std::expected (-DCMAKE_CXX_COMPILER=clang++-16)")
  return()
endif()

find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)  # config (PEM checks) and the signature parser
find_package(spdlog REQUIRED)

set(_host "${_root}/host")
set(_host_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_library(host_fuzz_core STATIC
  ${_host}/config/config.cpp ${_host}/config/host_port.cpp ${_host}/config/ip_address.cpp
  ${_host}/config/json_fields.cpp ${_host}/config/pem_files.cpp ${_host}/config/strict_json.cpp
  ${_host}/registry/codec_instance.cpp ${_host}/registry/codec_library_facts.cpp ${_host}/registry/codec_signature.cpp
  ${_host}/registry/descriptor_check.cpp ${_host}/registry/elf_check.cpp
  ${_host}/session/call_sequencer.cpp ${_host}/session/dispatcher.cpp ${_host}/session/event_name.cpp
  ${_host}/session/host_api.cpp ${_host}/session/session.cpp ${_host}/session/worker_pool.cpp
  ${_host}/timers/timer_service.cpp ${_host}/metrics/metrics.cpp ${_host}/metrics/histogram.cpp ${_host}/metrics/counter_family.cpp
  ${_host}/log/log_limiter.cpp ${_host}/log/log_context.cpp
  ${_host}/upstream/call_kind_name.cpp
  ${CMAKE_CURRENT_LIST_DIR}/host/linked_codec_library.cpp)
target_include_directories(host_fuzz_core PUBLIC "${_root}" "${CMAKE_CURRENT_LIST_DIR}/host")
target_compile_definitions(host_fuzz_core PUBLIC EXPROTO_HOST_VERSION="fuzz")
target_link_libraries(host_fuzz_core PUBLIC exproto::plugin_api nlohmann_json::nlohmann_json spdlog::spdlog
  OpenSSL::Crypto Threads::Threads)
target_compile_options(host_fuzz_core PUBLIC ${_host_fuzz_std} ${_host_fuzz_san} -fsanitize=fuzzer-no-link)
target_link_options(host_fuzz_core PUBLIC ${_host_fuzz_san})

add_executable(host_fuzz_events ${CMAKE_CURRENT_LIST_DIR}/host/fuzz_events.cpp
  ${CMAKE_CURRENT_LIST_DIR}/host/fuzz_codec.cpp ${CMAKE_CURRENT_LIST_DIR}/host/fuzz_upstream.cpp)
foreach(_name config elf_check descriptor signature)
  add_executable(host_fuzz_${_name} ${CMAKE_CURRENT_LIST_DIR}/host/fuzz_${_name}.cpp)
endforeach()
foreach(_name config events elf_check descriptor signature)
  target_link_libraries(host_fuzz_${_name} PRIVATE host_fuzz_core)
  target_link_options(host_fuzz_${_name} PRIVATE -fsanitize=fuzzer)
endforeach()

# The MQTT wire code only (no Asio, no connection): it needs nothing else of the host.
add_executable(host_fuzz_mqtt_packet ${CMAKE_CURRENT_LIST_DIR}/host/fuzz_mqtt_packet.cpp
  ${_host}/mqtt/names.cpp ${_host}/mqtt/packet_decode.cpp ${_host}/mqtt/packet_decoder.cpp
  ${_host}/mqtt/packet_encode.cpp ${_host}/mqtt/properties.cpp ${_host}/mqtt/reason_codes.cpp
  ${_host}/mqtt/utf8.cpp ${_host}/mqtt/wire_reader.cpp ${_host}/mqtt/wire_writer.cpp)
target_include_directories(host_fuzz_mqtt_packet PRIVATE "${_root}" "${CMAKE_CURRENT_LIST_DIR}/host")
target_compile_options(host_fuzz_mqtt_packet PRIVATE ${_host_fuzz_std} ${_host_fuzz_san} -fsanitize=fuzzer)
target_link_options(host_fuzz_mqtt_packet PRIVATE ${_host_fuzz_san} -fsanitize=fuzzer)
