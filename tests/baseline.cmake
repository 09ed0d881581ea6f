# The VPC CNI port lives under bench/baseline/ (the benchmarks' baseline); its test includes it
# as "baseline/vpc_cni_datastore.hpp".
if(TARGET test_vpc_cni_port)
  target_include_directories(test_vpc_cni_port PRIVATE ${PROJECT_SOURCE_DIR}/bench)
endif()
