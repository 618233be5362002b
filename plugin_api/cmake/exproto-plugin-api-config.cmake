# Package file for exproto codecs. Provides exproto::plugin_api (headers) and exproto_add_codec().
# Inside the exproto-host build the target already exists (the build-tree copy of this package is
# used by plugins/ so the shipped codecs are configured exactly like a vendor's).
if(NOT TARGET exproto::plugin_api)
  include("${CMAKE_CURRENT_LIST_DIR}/exproto-plugin-api-targets.cmake")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/exproto-codec.cmake")
