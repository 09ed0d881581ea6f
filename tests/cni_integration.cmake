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

# unit.cni_plugin runs the plugin's command logic in-process (examples/cni/plugin.hpp).
if(TARGET test_cni_plugin)
  target_include_directories(test_cni_plugin PRIVATE ${PROJECT_SOURCE_DIR}/examples/cni)
endif()
