# exproto_add_codec(<name> SOURCES <src>... [OUTPUT_DIR <dir>])
#
# Builds a codec shared library `<name>.so` the way the host expects it:
#  - only `exproto_codec_entry_v1` is exported (version script), everything else hidden, so two
#    codecs (or two generations of one) never interpose each other's symbols;
#  - -fno-gnu-unique, so dlclose really unloads the library on hot reload;
#  - --no-undefined: a missing symbol fails the vendor's link, not the operator's load.
set(_exproto_codec_map "${CMAKE_CURRENT_LIST_DIR}/exproto-codec.map")

function(exproto_add_codec name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES" ${ARGN})
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
endfunction()
