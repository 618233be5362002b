# The vendor's path, end to end: install the SDK component into an empty prefix, configure and
# build a codec project against that prefix alone, check the result with the installed
# exproto-codec-check, and install the codec the way a vendor package would.
#   -DBUILD_DIR=<exproto-host build> -DSAMPLE_DIR=<codec project> -DWORK_DIR=<scratch folder>
#   -DGENERATOR=<cmake generator> -DMAKE_PROGRAM=<its build tool> -DCXX=<C++ compiler>
# The project is configured with every system search path off, so the tools come in explicitly.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(_prefix "${WORK_DIR}/prefix")
set(_build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${_prefix}" --component sdk)
foreach(_f include/exproto/codec_abi.h include/exproto/codec.hpp bin/exproto-codec-check
           lib/cmake/exproto-plugin-api/exproto-plugin-api-config.cmake
           lib/cmake/exproto-plugin-api/exproto-plugin-api-config-version.cmake
           lib/cmake/exproto-plugin-api/exproto-codec.cmake lib/cmake/exproto-plugin-api/exproto-codec.map)
  if(NOT EXISTS "${_prefix}/${_f}")
    message(FATAL_ERROR "the sdk component did not install ${_f}")
  endif()
endforeach()
if(EXISTS "${_prefix}/bin/exproto-host" OR EXISTS "${_prefix}/lib/exproto-host")
  message(FATAL_ERROR "the sdk component installed parts of the host")
endif()

# Only the prefix: no package registries, no system or environment search paths.
run("${CMAKE_COMMAND}" -S "${SAMPLE_DIR}" -B "${_build}" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_CXX_COMPILER=${CXX}"
    "-DCMAKE_PREFIX_PATH=${_prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_CMAKE_SYSTEM_PATH=OFF -DCMAKE_FIND_USE_SYSTEM_ENVIRONMENT_PATH=OFF)
file(STRINGS "${_build}/CMakeCache.txt" _dir REGEX "^exproto-plugin-api_DIR:")
if(NOT _dir STREQUAL "exproto-plugin-api_DIR:PATH=${_prefix}/lib/cmake/exproto-plugin-api")
  message(FATAL_ERROR "the package was not found in the prefix: ${_dir}")
endif()
run("${CMAKE_COMMAND}" --build "${_build}")

set(_so "${_build}/acme_echo.so")
run("${_prefix}/bin/exproto-codec-check" "${_so}" --fuzz-seconds 1 --sessions 4)
message("${run_output}")
foreach(_re "exports +exproto_codec_entry_v1\n" "descriptor +name \"acme_echo\", version \"0.1.0\", vendor \"ACME Devices\", ABI 1\\.[0-9]+\n"
            "accepted +yes" "result +PASS")
  if(NOT run_output MATCHES "${_re}")
    message(FATAL_ERROR "exproto-codec-check report lacks: ${_re}")
  endif()
endforeach()

# exproto_add_codec installs a vendor's codec into the host's plugins folder by default.
run("${CMAKE_COMMAND}" --install "${_build}" --prefix "${WORK_DIR}/vendor")
if(NOT EXISTS "${WORK_DIR}/vendor/lib/exproto-host/plugins/acme_echo.so")
  message(FATAL_ERROR "the codec was not installed into lib/exproto-host/plugins")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
