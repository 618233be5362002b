# `cmake --install --component host` gives a runnable host: the binary, exactly the shipped codecs
# in the plugins folder (never a test fixture), and a config pointing at that folder.
#   -DBUILD_DIR=<exproto-host build> -DWORK_DIR=<scratch folder>
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}" --component host
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err TIMEOUT 120)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "install failed (${_rc}):\n${_out}\n${_err}")
endif()
if(NOT EXISTS "${WORK_DIR}/bin/exproto-host")
  message(FATAL_ERROR "bin/exproto-host is missing")
endif()
file(GLOB _codecs RELATIVE "${WORK_DIR}/lib/exproto-host/plugins" "${WORK_DIR}/lib/exproto-host/plugins/*")
list(SORT _codecs)
if(NOT _codecs STREQUAL "jsonframe.so;line.so")
  message(FATAL_ERROR "plugins folder holds: ${_codecs} (expected jsonframe.so;line.so)")
endif()
file(READ "${WORK_DIR}/share/exproto-host/examples/exproto-host.json" _config)
if(NOT _config MATCHES "\"dir\": \"${WORK_DIR}/lib/exproto-host/plugins\"")
  message(FATAL_ERROR "the installed config does not point at the plugins folder:\n${_config}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
