# The peer-conformance suite (tests/peer/README.md): each tests/peer/<agent>/<file>_test.cpp
# transcribes one upstream test file and is its own executable test_peer_<agent>_<file>
# and ctest entry peer.<agent>.<file>; adding a file needs no edit here.
add_library(enipool_peer_main OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/peer/peer_main.cpp)
enipool_unit_test_settings(enipool_peer_main)
target_include_directories(enipool_peer_main PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/peer)
# No PCH for the main: the PCH's catch.hpp would come without CATCH_CONFIG_MAIN.

file(GLOB ENIPOOL_PEER_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/peer/*/*_test.cpp)
foreach(peer_source IN LISTS ENIPOOL_PEER_TESTS)
  get_filename_component(peer_dir ${peer_source} DIRECTORY)
  get_filename_component(peer_agent ${peer_dir} NAME)
  get_filename_component(peer_name ${peer_source} NAME_WE)
  string(REGEX REPLACE "_test$" "" peer_name ${peer_name})
  set(peer_target test_peer_${peer_agent}_${peer_name})
  add_executable(${peer_target} ${peer_source} $<TARGET_OBJECTS:enipool_peer_main>)
  enipool_unit_test_settings(${peer_target})
  target_include_directories(${peer_target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/peer)
  target_precompile_headers(${peer_target} REUSE_FROM enipool_test_pch)
  add_test(NAME peer.${peer_agent}.${peer_name} COMMAND ${peer_target})
  set_tests_properties(peer.${peer_agent}.${peer_name} PROPERTIES LABELS peer)
  list(APPEND ENIPOOL_PEER_BINARIES $<TARGET_FILE:${peer_target}>)
endforeach()

# The fidelity table (docs/fidelity.md) states each upstream file's counts: they must be these.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME peer.fidelity_table
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/check-peer-table
          ${PROJECT_SOURCE_DIR}/docs/fidelity.md ${ENIPOOL_PEER_BINARIES})
set_tests_properties(peer.fidelity_table PROPERTIES LABELS peer)
