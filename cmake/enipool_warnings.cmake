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
