# Package file for exproto codecs. Provides exproto::plugin_api (headers) and exproto_add_codec().
include("${CMAKE_CURRENT_LIST_DIR}/exproto-plugin-api-targets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/exproto-codec.cmake")
