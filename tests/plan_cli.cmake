# test_plan_cli runs build/bin/enipool-plan: build the program before the test.
if(TARGET enipool-plan AND TARGET test_plan_cli)
  add_dependencies(test_plan_cli enipool-plan)
endif()
# test_plan_bad_values takes the flag list from the app itself (the plan object library) and
# runs build/bin/enipool-plan for each case.
if(TARGET test_plan_bad_values)
  include(${PROJECT_SOURCE_DIR}/examples/plan/plan_commands.cmake)
  target_link_libraries(test_plan_bad_values PRIVATE enipool_plan_commands)
  if(TARGET enipool-plan)
    add_dependencies(test_plan_bad_values enipool-plan)
  endif()
endif()
# test_registry parses --warm with the planner's parser built from an extended list.
if(TARGET test_registry)
  include(${PROJECT_SOURCE_DIR}/examples/plan/plan_commands.cmake)
  target_link_libraries(test_registry PRIVATE enipool_plan_commands)
endif()
