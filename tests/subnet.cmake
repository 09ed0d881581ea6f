# enipool-subnet-map on the AWS CLI fixtures: the map and figures derived by hand in
# tests/unit/aws_subnet_test.cpp ("a real subnet's occupancy and figures").
if(TARGET enipool-subnet-map)
  set(_aws ${PROJECT_SOURCE_DIR}/tests/data/aws)
  add_test(NAME cli.subnet_map.aws
           COMMAND enipool-subnet-map --cidr 198.18.0.0/24
                   --network-interfaces ${_aws}/describe-network-interfaces-page1.json
                                        ${_aws}/describe-network-interfaces-page2.json
                   --reservations ${_aws}/get-subnet-cidr-reservations.json)
  set_tests_properties(cli.subnet_map.aws PROPERTIES PASS_REGULAR_EXPRESSION
    "198\\.18\\.0\\.0 +x\\+\\+\\+\\+\\.P\\.\\+\\+\\+\\+R\\.Px\n.*free addresses +206 .*free aligned /28s +3 ")
  # A usage error (one of --cidr / --network-interfaces without the other) fails.
  add_test(NAME cli.subnet_map.usage COMMAND enipool-subnet-map --cidr 198.18.0.0/24)
  set_tests_properties(cli.subnet_map.usage PROPERTIES WILL_FAIL TRUE)
endif()
