# Runs a program and checks its exit status and output, for rex86-sst's error
# tests: CTest's PASS_REGULAR_EXPRESSION alone ignores the exit status and
# cannot tell a clean error exit from a crash.
#   -DPROG=path  -DARGS="a|b|c" (| separates arguments)
#   -DEXPECT=fail|pass  -DREGEX=... [-DREGEX2=...] [-DREGEX3=...]
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${PROG}" ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}exit: ${rc}")
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the program did not exit normally: ${rc}")
endif()
if(EXPECT STREQUAL "fail" AND rc EQUAL 0)
  message(FATAL_ERROR "expected a non-zero exit status")
endif()
if(EXPECT STREQUAL "pass" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "expected exit status 0, got ${rc}")
endif()
foreach(re REGEX REGEX2 REGEX3)
  if(DEFINED ${re} AND NOT "${out}${err}" MATCHES "${${re}}")
    message(FATAL_ERROR "output does not match: ${${re}}")
  endif()
endforeach()
