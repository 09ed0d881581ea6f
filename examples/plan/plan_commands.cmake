# enipool_plan_commands: enipool-plan without its main(), as an object library, for the
# program (examples/CMakeLists.txt), the bad-value test (tests/plan_cli.cmake) and the
# fuzz target fuzz_plan_cli (tests/fuzzing/). Every examples/plan/*.cpp but main.cpp is in
# it (subcommands register themselves), so a new subcommand needs no edit here. Included from
# each user; defined once.
if(NOT TARGET enipool_plan_commands)
  find_package(CLI11 CONFIG REQUIRED)
  file(GLOB ENIPOOL_PLAN_COMMAND_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
  list(REMOVE_ITEM ENIPOOL_PLAN_COMMAND_SOURCES ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
  add_library(enipool_plan_commands OBJECT ${ENIPOOL_PLAN_COMMAND_SOURCES})
  target_include_directories(enipool_plan_commands PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(enipool_plan_commands PUBLIC enipool::json CLI11::CLI11
                                              PRIVATE enipool_project_options)
  # --version prints project(enipool VERSION ...); only plan_app.cpp reads it (a source
  # property of this directory, where the target is defined).
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/plan_app.cpp PROPERTIES
                              COMPILE_DEFINITIONS "ENIPOOL_VERSION=\"${PROJECT_VERSION}\"")
  if(ENIPOOL_FUZZ)
    # Coverage for libFuzzer; the fuzz binary links the fuzzer runtime.
    target_compile_options(enipool_plan_commands PRIVATE -fsanitize=fuzzer-no-link -O1)
  endif()
endif()
