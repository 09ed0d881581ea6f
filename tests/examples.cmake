# examples.embed: the README's embedding example runs and hands out what EC2's rules imply:
# in 198.18.0.0/24 EC2 reserves .0-.3 and the boot ENI's primary IP is the lowest free
# address, .4, so the first wholly free aligned /28 (the prefix the pool asks for) is
# .16/28, and the first pod gets its first address, 198.18.0.16.
add_test(NAME examples.embed COMMAND enipool-embed)
set_tests_properties(examples.embed PROPERTIES
  PASS_REGULAR_EXPRESSION "pod 1 -> 198\\.18\\.0\\.16\n.*assigned 2, cooling 1, free 13")
