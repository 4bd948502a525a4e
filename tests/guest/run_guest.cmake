# Runs rex86 for one CTest: cmake -DREX86=PATH -DEXPECT=STATUS -P run_guest.cmake -- ARGS...
# Echoes rex86's output and says whether the exit status was the expected
# one, so the test can check the output and the status together (CTest's
# PASS_REGULAR_EXPRESSION alone would ignore the status).
set(args)
set(seen_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
  if(seen_dashes)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(seen_dashes TRUE)
  endif()
endforeach()

execute_process(COMMAND ${REX86} ${args}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 150)
string(REPLACE ";" " " shown "${args}")
message("$ rex86 ${shown}\n--- stdout ---\n${out}--- stderr ---\n${err}--------------")
if(NOT "${status}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "rex86-test: WRONG exit status ${status}; ${EXPECT} was expected")
endif()
message("rex86-test: exit status ${status} as expected")
