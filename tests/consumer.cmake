# consumer.* tests: build tests/cmake_consumer against an installed enipool
# (find_package) and through add_subdirectory, and check that an incompatible major
# version is refused.
set(_consumer_script ${CMAKE_CURRENT_SOURCE_DIR}/cmake_consumer/run_consumer.cmake)
set(_consumer_args
  -DENIPOOL_SOURCE_DIR=${PROJECT_SOURCE_DIR}
  -DENIPOOL_BINARY_DIR=${PROJECT_BINARY_DIR}
  -DCONSUMER_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/cmake_consumer
  -DCONSUMER_WORK_DIR=${PROJECT_BINARY_DIR}/consumer
  -DCONSUMER_CXX=${CMAKE_CXX_COMPILER})
foreach(mode find_package add_subdirectory version_mismatch)
  add_test(NAME consumer.${mode}
           COMMAND ${CMAKE_COMMAND} ${_consumer_args} -DMODE=${mode} -P ${_consumer_script})
endforeach()
# The find_package tests share one install prefix.
set_tests_properties(consumer.find_package consumer.version_mismatch PROPERTIES RESOURCE_LOCK enipool_install)
