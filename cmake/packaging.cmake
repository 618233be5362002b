# Install layout and Debian packages, one per component (`cpack -G DEB` in the build folder):
#
#   component    package                  contents
#   host         exproto-host             bin/exproto-host, the shipped codecs in
#                                         lib/exproto-host/plugins, example configs;
#                                         Provides exproto-host-abi-<major>
#   sdk          exproto-plugin-api-dev   include/exproto (C header + C++ SDK),
#                                         lib/cmake/exproto-plugin-api, bin/exproto-codec-check
#   codec-jt808  exproto-codec-jt808      the jt808 codec alone (only when plugins/jt808 exists);
#                                         Depends exproto-host-abi-<major>
#
# A codec package depends on the virtual ABI package, not on a host version: any host of the same
# ABI major loads it (codec_abi.h's compatibility policy), and a host of another major cannot be
# installed alongside it by accident.
include("${PROJECT_SOURCE_DIR}/plugin_api/cmake/exproto-codec.cmake")  # EXPROTO_CODEC_INSTALL_DIR

file(STRINGS "${PROJECT_SOURCE_DIR}/plugin_api/include/exproto/codec_abi.h" _abi_major_line
  REGEX "^#define EXPROTO_ABI_MAJOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" EXPROTO_ABI_MAJOR "${_abi_major_line}")
set(_abi_package "exproto-host-abi-${EXPROTO_ABI_MAJOR}")

# ---- host: the shipped codecs and a ready-to-edit configuration beside the binary ----
foreach(_codec line jsonframe)
  if(TARGET ${_codec})
    install(TARGETS ${_codec} LIBRARY DESTINATION "${EXPROTO_CODEC_INSTALL_DIR}" COMPONENT host)
  endif()
endforeach()
set(_examples "${CMAKE_INSTALL_DATADIR}/exproto-host/examples")
file(GLOB _configs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/config/*.json")
install(FILES ${_configs} DESTINATION "${_examples}" COMPONENT host)
# The examples point at the build tree's plugins folder; this one points at the installed one,
# computed at install time because only then is the final prefix known (--prefix, or /usr in CPack).
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/config/dev-line.json\" _text)
  string(REPLACE \"\\\"build/plugins\\\"\" \"\\\"\${CMAKE_INSTALL_PREFIX}/${EXPROTO_CODEC_INSTALL_DIR}\\\"\" _text \"\${_text}\")
  file(WRITE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${_examples}/exproto-host.json\" \"\${_text}\")
  message(STATUS \"Installing: \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${_examples}/exproto-host.json\")
" COMPONENT host)

# ---- host: the systemd service and its configuration (a conffile) ----
install(FILES "${PROJECT_SOURCE_DIR}/deploy/exproto-host.service" DESTINATION lib/systemd/system COMPONENT host)
install(FILES "${PROJECT_SOURCE_DIR}/deploy/exproto-host.json" DESTINATION /etc/exproto-host COMPONENT host)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT host)
set(_debian "${PROJECT_BINARY_DIR}/debian")
file(MAKE_DIRECTORY "${_debian}/host")
file(WRITE "${_debian}/host/conffiles" "/etc/exproto-host/exproto-host.json\n")
file(COPY "${PROJECT_SOURCE_DIR}/deploy/postinst" "${PROJECT_SOURCE_DIR}/deploy/postrm" DESTINATION "${_debian}/host"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# ---- every package: copyright (Apache-2.0, LICENSE) and a changelog, as Debian policy asks ----
# Each goes to /usr/share/doc/<package>/ in the package of `component`.
function(_exproto_package_docs component package)
  set(_dir "${_debian}/doc/${package}")
  file(MAKE_DIRECTORY "${_dir}")
  configure_file("${PROJECT_SOURCE_DIR}/deploy/copyright.in" "${_dir}/copyright" COPYONLY)
  set(PKG "${package}")
  set(VERSION "${PROJECT_VERSION}")
  configure_file("${PROJECT_SOURCE_DIR}/deploy/changelog.in" "${_dir}/changelog" @ONLY)
  # gzip -n: no name or time stamp inside, so rebuilds are byte-identical.
  execute_process(COMMAND gzip -9nc "${_dir}/changelog" OUTPUT_FILE "${_dir}/changelog.gz" COMMAND_ERROR_IS_FATAL ANY)
  install(FILES "${_dir}/copyright" "${_dir}/changelog.gz" DESTINATION "share/doc/${package}" COMPONENT ${component})
endfunction()
_exproto_package_docs(host exproto-host)
_exproto_package_docs(sdk exproto-plugin-api-dev)

# ---- manual pages (deploy/man, hand-written roff; tests/packaging checks them against --help) ----
# Version filled in, gzip -9n (no name or time stamp) as Debian policy wants them.
function(_exproto_man_page component page section)
  set(VERSION "${PROJECT_VERSION}")
  configure_file("${PROJECT_SOURCE_DIR}/deploy/man/${page}.${section}" "${_debian}/man/${page}.${section}" @ONLY)
  execute_process(COMMAND gzip -9nc "${_debian}/man/${page}.${section}"
                  OUTPUT_FILE "${_debian}/man/${page}.${section}.gz" COMMAND_ERROR_IS_FATAL ANY)
  install(FILES "${_debian}/man/${page}.${section}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}"
          COMPONENT ${component})
endfunction()
_exproto_man_page(host exproto-host 8)
_exproto_man_page(sdk exproto-codec-check 1)
_exproto_man_page(sdk exproto-codec-sign 1)

# ---- codec-jt808: the per-codec package example ----
set(_components host sdk)
if(TARGET jt808)
  install(TARGETS jt808 LIBRARY DESTINATION "${EXPROTO_CODEC_INSTALL_DIR}" COMPONENT codec-jt808)
  list(APPEND _components codec-jt808)
  _exproto_package_docs(codec-jt808 exproto-codec-jt808)
endif()

# ---- signed codecs ----
# With EXPROTO_CODEC_SIGNING_KEY in cpack's environment (a private key made by
# `exproto-codec-sign keygen`), every codec in a package is signed in the staging folder, so the
# .deb ships <codec>.so.sig beside it (docs/codec-signing.md). Signed bytes must be the shipped
# bytes: the codec is stripped first (strip --strip-all, which CPackDeb then leaves alone) and its
# debug info kept as <package folder>/codec-debug/<codec>.so.debug instead of a -dbgsym package.
if(TARGET exproto-codec-sign)
  file(GENERATE OUTPUT "${_debian}/sign_codecs.cmake" CONTENT "
if(\"\$ENV{EXPROTO_CODEC_SIGNING_KEY}\" STREQUAL \"\")
  return()
endif()
if(\"\${CPACK_TEMPORARY_DIRECTORY}\" STREQUAL \"\")
  message(FATAL_ERROR \"sign_codecs: no CPACK_TEMPORARY_DIRECTORY (staging folder) given\")
endif()
file(GLOB_RECURSE _codecs \"\${CPACK_TEMPORARY_DIRECTORY}/*.so\")
list(FILTER _codecs INCLUDE REGEX \"/${EXPROTO_CODEC_INSTALL_DIR}/[^/]+[.]so$\")
set(_debug_dir \"\${CPACK_PACKAGE_DIRECTORY}/codec-debug\")
file(MAKE_DIRECTORY \"\${_debug_dir}\")
foreach(_codec IN LISTS _codecs)
  get_filename_component(_name \"\${_codec}\" NAME)
  execute_process(COMMAND objcopy --only-keep-debug \"\${_codec}\" \"\${_debug_dir}/\${_name}.debug\" COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND strip --strip-all \"\${_codec}\" COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND \"$<TARGET_FILE:exproto-codec-sign>\" sign --key \"\$ENV{EXPROTO_CODEC_SIGNING_KEY}\" \"\${_codec}\"
                  COMMAND_ERROR_IS_FATAL ANY)
  message(STATUS \"signed \${_name}\")
endforeach()
")
  set(CPACK_PRE_BUILD_SCRIPTS "${_debian}/sign_codecs.cmake")
endif()

# ---- CPack ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME exproto-host)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "exproto-host project")
set(CPACK_PACKAGE_CONTACT "exproto-host maintainers <exproto-host@example.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL ${_components})  # everything else (tests, tools) never ships
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # gRPC, protobuf, spdlog… from the Debian archive
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Stripped binaries and codecs in the packages, their debug info in <package>-dbgsym .ddeb files
# beside them: a codec's size is what a hot reload copies and hashes (jt808.so: 20 MB built with
# debug info, under 1 MB stripped). CPackDeb strips what it moves into the -dbgsym package itself;
# CPACK_STRIP_FILES would strip first and leave it nothing to move.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)

set(CPACK_DEBIAN_HOST_PACKAGE_NAME exproto-host)
set(CPACK_DEBIAN_HOST_PACKAGE_PROVIDES "${_abi_package}")
set(CPACK_DEBIAN_HOST_PACKAGE_DEPENDS "adduser")  # postinst makes the service's system user
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_EXTRA "${_debian}/host/conffiles;${_debian}/host/postinst;${_debian}/host/postrm")
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# First line: the summary; the rest: the long description (CPack indents it). No package-wide
# CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it in front of every one of these.
set(CPACK_DEBIAN_HOST_DESCRIPTION "EMQX ExProto handler with pluggable protocol codecs
exproto-host serves EMQX's ExProto gateway and loads device protocol codecs
from /usr/${EXPROTO_CODEC_INSTALL_DIR}. Ships the line and jsonframe codecs.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME exproto-plugin-api-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "cmake (>= 3.20), g++")
set(CPACK_DEBIAN_SDK_DESCRIPTION "exproto-host codec SDK: C ABI header, C++ SDK, CMake package, checker
Build codecs out of tree with find_package(exproto-plugin-api 1) and
exproto_add_codec(); check them with exproto-codec-check.")

set(CPACK_DEBIAN_CODEC-JT808_PACKAGE_NAME exproto-codec-jt808)
set(CPACK_DEBIAN_CODEC-JT808_PACKAGE_DEPENDS "${_abi_package}")
set(CPACK_DEBIAN_CODEC-JT808_DESCRIPTION "JT/T 808 codec for exproto-host
Installs jt808.so into exproto-host's plugins folder.")

include(CPack)
