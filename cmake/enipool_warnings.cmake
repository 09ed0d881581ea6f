# Warnings (as errors) and sanitizers for the project's own targets only; consumers of the
# INTERFACE targets never inherit them.
add_library(enipool_project_options INTERFACE)
target_compile_options(enipool_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror)
if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR ENIPOOL_SANITIZE)
  target_compile_definitions(enipool_project_options INTERFACE ENIPOOL_ASSERTIONS=1)
endif()
if(ENIPOOL_SANITIZE)
  set(_enipool_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(enipool_project_options INTERFACE ${_enipool_san})
  target_link_options(enipool_project_options INTERFACE ${_enipool_san})
endif()

# enipool_program(name SOURCES...): a program built on the public headers into build/bin.
function(enipool_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE enipool::enipool enipool_project_options)
endfunction()

# Test programs check behaviour; speed is the benchmarks' business. In an optimised build
# they compile without optimisation or debug info: a unit test then costs about a quarter of
# the CPU time it costs at -O2 -g (two thirds of its time at -O1), and compiling them is most
# of the first `make test` on a 2-core machine, while running them all takes under a minute.
# The sanitizer suite runs the same tests unoptimised. Property tests are the exception: they
# run thousands of random cases, and unoptimised the subnet property alone takes 90 s instead of
# 5 s, so they compile at -O1 (enipool_property_test_options). The programs and the
# benchmarks keep the build type's flags.
option(ENIPOOL_FAST_TEST_BUILD "Compile test programs at -O0 without debug info in optimised builds" ON)
add_library(enipool_test_options INTERFACE)
add_library(enipool_property_test_options INTERFACE)
if(ENIPOOL_FAST_TEST_BUILD AND NOT ENIPOOL_SANITIZE
   AND CMAKE_BUILD_TYPE MATCHES "^(RelWithDebInfo|Release|MinSizeRel)$")
  # Target options follow CMAKE_CXX_FLAGS_<CONFIG> on the command line, so these win.
  target_compile_options(enipool_test_options INTERFACE -O0 -g0)
  target_compile_options(enipool_property_test_options INTERFACE -O1 -g0)
endif()
