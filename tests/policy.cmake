# Growth policies and warm strategies: the differential properties of the warm strategies
# once more with 20,000 random pool views each (the unit.* runs use RapidCheck's 100; these take about half a second each).
foreach(policy_test IN ITEMS warm_vpc_cni warm_cilium warm_auto_mode)
  add_test(NAME policy.${policy_test}.property_20000 COMMAND test_${policy_test} "[property]")
  set_tests_properties(policy.${policy_test}.property_20000 PROPERTIES
    ENVIRONMENT "RC_PARAMS=max_success=20000" LABELS property)
endforeach()
