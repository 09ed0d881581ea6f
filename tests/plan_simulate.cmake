# test_plan_simulate runs build/bin/enipool-plan: build the program before the test.
if(TARGET enipool-plan AND TARGET test_plan_simulate)
  add_dependencies(test_plan_simulate enipool-plan)
endif()
