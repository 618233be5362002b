# The codec test harness (fake_host.h): one static library shared by tests/codecs, tests/jt808 and
# the fuzzers. Included by each user instead of being a tests/ area of its own, because
# tests/CMakeLists.txt adds areas alphabetically and "support" would come after its users; the
# guard makes the second include a no-op. Users outside the main build (tests/fuzz) need an
# exproto::plugin_api target first, and read CODEC_FAKE_HOST_SOURCES to compile the harness with
# their own flags.
set(CODEC_FAKE_HOST_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(CODEC_FAKE_HOST_SOURCES
  "${CMAKE_CURRENT_LIST_DIR}/host_api.cpp"
  "${CMAKE_CURRENT_LIST_DIR}/codec_library.cpp"
  "${CMAKE_CURRENT_LIST_DIR}/fake_session.cpp")
if(NOT TARGET codec_fake_host)
  add_library(codec_fake_host STATIC ${CODEC_FAKE_HOST_SOURCES})
  target_include_directories(codec_fake_host PUBLIC "${CMAKE_CURRENT_LIST_DIR}")
  target_link_libraries(codec_fake_host PUBLIC exproto::plugin_api ${CMAKE_DL_LIBS})
endif()
