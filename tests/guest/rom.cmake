# rex86_guest_rom(NAME SOURCE [DEFINES ...]): assembles a guest ROM with nasm
# at build time into ${CMAKE_CURRENT_BINARY_DIR}/NAME.bin, with
# tests/guest/lib/ on the include path (DEFINES become -D options). Used by
# tests/guest and tests/bench.
set(REX86_GUEST_LIB ${CMAKE_CURRENT_LIST_DIR}/lib)
set(REX86_GUEST_RUNNER ${CMAKE_CURRENT_LIST_DIR}/run_guest.cmake)

function(rex86_nasm_image name source out)
  file(GLOB lib_incs CONFIGURE_DEPENDS ${REX86_GUEST_LIB}/*.inc)
  set(defines)
  foreach(d ${ARGN})
    list(APPEND defines -D${d})
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${NASM} -f bin -Werror -I ${REX86_GUEST_LIB}/ ${defines} -o ${out} ${source}
    DEPENDS ${source} ${lib_incs}
    COMMENT "Assembling guest image ${name}"
    VERBATIM)
  add_custom_target(rom_${name} ALL DEPENDS ${out})
endfunction()

function(rex86_guest_rom name source)
  rex86_nasm_image(${name} ${source} ${CMAKE_CURRENT_BINARY_DIR}/${name}.bin ${ARGN})
endfunction()

# rex86_guest_disk(NAME SOURCE): a whole disk image (e.g. a boot floppy)
# assembled into ${CMAKE_CURRENT_BINARY_DIR}/NAME.img.
function(rex86_guest_disk name source)
  rex86_nasm_image(${name} ${source} ${CMAKE_CURRENT_BINARY_DIR}/${name}.img ${ARGN})
endfunction()

# rex86_guest_test(NAME STATUS REGEX ARGS...): a CTest that runs rex86 with
# ARGS and passes only when its exit status is STATUS and its output (stdout
# and stderr) matches REGEX. A "FAIL:" line from the guest fails it too.
function(rex86_guest_test name status regex)
  # Guest programs run once per engine: the interpreter here (the default
  # engine is the JIT on x86-64), the JIT in the .jit twin below.
  set(engine)
  if(name MATCHES "^guest\\.")
    set(engine -accel interp)
  endif()
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DREX86=$<TARGET_FILE:rex86> -DEXPECT=${status}
            -P ${REX86_GUEST_RUNNER} -- ${ARGN} ${engine})
  set_tests_properties(${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "${regex}"
    FAIL_REGULAR_EXPRESSION "rex86-test: WRONG exit status|(^|\n)FAIL:|AddressSanitizer|runtime error:"
    TIMEOUT 180)
  # Every guest program also runs under the JIT: same answers required.
  if(name MATCHES "^guest\\.")
    add_test(NAME ${name}.jit
      COMMAND ${CMAKE_COMMAND} -DREX86=$<TARGET_FILE:rex86> -DEXPECT=${status}
              -P ${REX86_GUEST_RUNNER} -- ${ARGN} -accel jit)
    set_tests_properties(${name}.jit PROPERTIES
      PASS_REGULAR_EXPRESSION "${regex}"
      FAIL_REGULAR_EXPRESSION "rex86-test: WRONG exit status|(^|\n)FAIL:|AddressSanitizer|runtime error:"
      TIMEOUT 180 LABELS jit)
  endif()
endfunction()
