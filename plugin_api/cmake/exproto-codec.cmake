# exproto_add_codec(<name> SOURCES <src>... [OUTPUT_DIR <dir>]
#                   [INSTALL_DIR <dir>] [COMPONENT <component>] [NO_INSTALL])
#
# Builds a codec shared library `<name>.so` the way the host expects it:
#  - only `exproto_codec_entry_v1` is exported (version script), everything else hidden, so two
#    codecs (or two generations of one) never interpose each other's symbols;
#  - -fno-gnu-unique, so dlclose really unloads the library on hot reload;
#  - --no-undefined: a missing symbol fails the vendor's link, not the operator's load.
# and installs it:
#  - in a vendor's own build, by default into ${EXPROTO_CODEC_INSTALL_DIR} (the host package's
#    plugins folder, lib/exproto-host/plugins under the prefix) as component codec-<name>, so that
#    `cmake --install` and CPack pick it up; INSTALL_DIR and COMPONENT override, NO_INSTALL skips;
#  - inside the exproto-host build only when INSTALL_DIR is given: there cmake/packaging.cmake names
#    the codecs that ship, and test fixtures built with this function never reach a plugins folder.
set(_exproto_codec_map "${CMAKE_CURRENT_LIST_DIR}/exproto-codec.map")
# Not GNUInstallDirs' LIBDIR: the folder must be the same for every build (multiarch or not), since
# the host and codecs from different packages meet in it.
if(NOT DEFINED EXPROTO_CODEC_INSTALL_DIR)
  set(EXPROTO_CODEC_INSTALL_DIR "lib/exproto-host/plugins")
endif()

function(exproto_add_codec name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIR;INSTALL_DIR;COMPONENT" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE exproto::plugin_api)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_exproto_codec_map}")
  target_compile_options(${name} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  target_link_options(${name} PRIVATE "-Wl,--version-script=${_exproto_codec_map}" "-Wl,--no-undefined")
  if(ARG_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  elseif(DEFINED EXPROTO_CODEC_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${EXPROTO_CODEC_OUTPUT_DIR}")
  endif()
  if(NOT ARG_INSTALL_DIR AND NOT CMAKE_PROJECT_NAME STREQUAL "exproto-host")
    set(ARG_INSTALL_DIR "${EXPROTO_CODEC_INSTALL_DIR}")
  endif()
  if(NOT ARG_COMPONENT)
    set(ARG_COMPONENT "codec-${name}")
  endif()
  if(ARG_INSTALL_DIR AND NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION "${ARG_INSTALL_DIR}" COMPONENT "${ARG_COMPONENT}")
  endif()
endfunction()
