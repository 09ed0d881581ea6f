# test_plan_cli runs build/bin/enipool-plan: build the program before the test.
if(TARGET enipool-plan AND TARGET test_plan_cli)
  add_dependencies(test_plan_cli enipool-plan)
endif()
