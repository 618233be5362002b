# Runs exproto-codec-check on one codec and asserts its exit status and report lines.
#   -DTOOL=<exproto-codec-check> -DCODEC=<file.so> [-DARGS=a|b|c] -DEXPECT_EXIT=<n>
#   -DEXPECT_1=<regex> [-DEXPECT_2=<regex> ...]   lines the report must contain (each matched per line)
#   [-DREJECT=<regex>]                            a line the report must not contain
string(REPLACE "|" ";" _args "${ARGS}")
execute_process(COMMAND "${TOOL}" "${CODEC}" ${_args}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err TIMEOUT 90)
message("${_out}")
if(NOT _rc STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "exit status ${_rc}, expected ${EXPECT_EXIT}\nstderr:\n${_err}")
endif()
foreach(_i RANGE 1 20)
  if(NOT DEFINED EXPECT_${_i})
    break()
  endif()
  # A trailing $ means end of line (CMake's $ only matches the end of the whole output).
  string(REGEX REPLACE "\\$$" "\n" _re "${EXPECT_${_i}}")
  if(NOT _out MATCHES "(^|\n)[^\n]*${_re}")
    message(FATAL_ERROR "no report line matches: ${EXPECT_${_i}}")
  endif()
endforeach()
if(DEFINED REJECT AND _out MATCHES "${REJECT}")
  message(FATAL_ERROR "the report must not contain: ${REJECT}")
endif()
