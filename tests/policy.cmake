# Growth policies and warm strategies: the differential properties of the warm strategies
# once more with many random pool views (the unit.* runs use RapidCheck's 100, which miss
# rare corners such as Cilium's initial socket): 20,000 each, about half a second in an
# optimised build; 2,000 under the sanitizers, where a case costs 40 times more.
if(ENIPOOL_SANITIZE)
  set(policy_property_cases 2000)
else()
  set(policy_property_cases 20000)
endif()
foreach(policy_test IN ITEMS warm_vpc_cni warm_cilium warm_auto_mode)
  add_test(NAME policy.${policy_test}.property_long COMMAND test_${policy_test} "[property]")
  set_tests_properties(policy.${policy_test}.property_long PROPERTIES
    ENVIRONMENT "RC_PARAMS=max_success=${policy_property_cases}" LABELS property)
endforeach()

# The concepts' readable failures: compiling a type that misses a member must fail with the
# message that names it (PASS_REGULAR_EXPRESSION: the compiler's exit code is not what counts).
get_target_property(policy_fmt_includes fmt::fmt-header-only INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(policy_boost_includes Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
set(policy_compile_includes -I${PROJECT_SOURCE_DIR}/include)
foreach(dir IN LISTS policy_fmt_includes policy_boost_includes)
  if(dir)
    list(APPEND policy_compile_includes -I${dir})
  endif()
endforeach()
foreach(case IN ITEMS growth_policy_missing_member warm_strategy_missing_member)
  add_test(NAME policy.compile_fail.${case}
    COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -DFMT_HEADER_ONLY=1 ${policy_compile_includes}
            ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/${case}.cpp)
endforeach()
set_tests_properties(policy.compile_fail.growth_policy_missing_member PROPERTIES
  PASS_REGULAR_EXPRESSION "growth_policy: missing `bool may_grow\\(timestamp now\\) const`")
set_tests_properties(policy.compile_fail.warm_strategy_missing_member PROPERTIES
  PASS_REGULAR_EXPRESSION "warm_strategy: missing nested type `config`")
# An option a pool does not honour is refused, with the fix in the message.
add_test(NAME pool.compile_fail.ipv6_pool_packing
  COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -DFMT_HEADER_ONLY=1 ${policy_compile_includes}
          ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/ipv6_pool_packing.cpp)
set_tests_properties(pool.compile_fail.ipv6_pool_packing PROPERTIES
  PASS_REGULAR_EXPRESSION "ipv6_pool hands out addresses from one /80 prefix in order; packing<> has no effect: remove it")
