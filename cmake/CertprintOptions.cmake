# certprint_options: the language standard and warnings every target uses.
add_library(certprint_options INTERFACE)
target_compile_features(certprint_options INTERFACE cxx_std_20)
target_compile_options(certprint_options INTERFACE -Wall -Wextra -Wpedantic)
if(CERTPRINT_WERROR)
  target_compile_options(certprint_options INTERFACE -Werror)
endif()
# ASan + UBSan (scripts/test.sh's second suite). Undefined behaviour aborts
# even where no UBSAN_OPTIONS reach the process (the filter under cupsd).
if(CERTPRINT_SANITIZE)
  target_compile_options(certprint_options INTERFACE -fsanitize=address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(certprint_options INTERFACE -fsanitize=address,undefined
                      -fno-sanitize-recover=undefined)
  # GCC's maybe-uninitialized analysis misfires on ASan-instrumented code (in
  # libstdc++'s <regex>, for one); the normal build keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(certprint_options INTERFACE -Wno-maybe-uninitialized)
  endif()
endif()
