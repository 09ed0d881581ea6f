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
  # A --subnet-id none of the interfaces has: exit 2, one line listing the ids they have (it
  # once gave an empty subnet silently).
  add_test(NAME cli.subnet_map.unknown_subnet_id
           COMMAND sh -c "\"$0\" \"$@\" 2>&1 >/dev/null; echo \"exit $?\""
                   $<TARGET_FILE:enipool-subnet-map> --cidr 198.18.0.0/24
                   --network-interfaces ${_aws}/describe-network-interfaces-page1.json
                   --subnet-id subnet-0fffffffffffffff0)
  set_tests_properties(cli.subnet_map.unknown_subnet_id PROPERTIES PASS_REGULAR_EXPRESSION
    "^enipool-subnet-map: --subnet-id subnet-0fffffffffffffff0 is the SubnetId of none of the 2 interfaces; they have subnet-0123456789abcdef0\nexit 2\n$")
  # --help names the AWS CLI call as it is (get-subnet-cidr-reservations --subnet-id), not an
  # option that does not exist.
  add_test(NAME cli.subnet_map.help COMMAND enipool-subnet-map --help)
  set_tests_properties(cli.subnet_map.help PROPERTIES
    PASS_REGULAR_EXPRESSION "get-subnet-cidr-reservations --subnet-id"
    FAIL_REGULAR_EXPRESSION "subnet-cidr-reservation-id")
endif()
