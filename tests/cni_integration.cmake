# cni.* tests: enipool-cni served to the real ptp plugin in throwaway network namespaces
# (tests/cni/ptp_integration.sh). Needs root and Debian's containernetworking-plugins;
# otherwise the script exits 77 and ctest reports SKIP with the reason.
if(TARGET enipool-cni)
  add_test(NAME cni.ptp
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cni/ptp_integration.sh
                   $<TARGET_FILE_DIR:enipool-cni>)
  set_tests_properties(cni.ptp PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
                                          RESOURCE_LOCK enipool_netns)
endif()

# unit.cni_plugin and unit.cni_checkpoint test the plugin's headers in-process (examples/cni/).
foreach(cni_test test_cni_plugin test_cni_checkpoint)
  if(TARGET ${cni_test})
    target_include_directories(${cni_test} PRIVATE ${PROJECT_SOURCE_DIR}/examples/cni)
  endif()
endforeach()

# unit.cni_plugin also runs build/bin/enipool-cni (--help, --version, no CNI_COMMAND, VERSION).
if(TARGET enipool-cni AND TARGET test_cni_plugin)
  add_dependencies(test_cni_plugin enipool-cni)
endif()
