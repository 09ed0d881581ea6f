# bench.smoke: every benchmark family runs briefly, repeated, and tools/bench-summary reads
# the result as make bench does: bitset, handout (enipool's rows and the VPC CNI port),
# handout_int (with the bare boost_flat_map key index), subnet_prefix, subnet_address,
# max_pods, plan (the warm strategies), catalog_csv and sim at 20 nodes. Every row checks its
# work against an expected value computed independently of the code under test (the
# benchmark's comment says how); the hand-out rows also prove that no address was held twice
# (bench/handout_workload.hpp). A checksum mismatch, a failed row, a family that produced no
# row (--require-areas: a filter typo or a renamed benchmark) or a summary that cannot read
# repeated runs fails the test. Skipped as too slow for a smoke run: sim/enipool/1000 (2-3 s
# a run; sim/enipool/20 runs the same scenario scaled down) and handout/vpc_cni_port/24192
# (4-6 s for the two repetitions; its 1008 row runs the same code). Measured: 1.6-2.6 s on
# the project's 2-vCPU VM at load average 3-5 (2026-12-08). Speed is judged only by make
# bench, never here.
if(TARGET enipool-bench)
  set(ENIPOOL_SMOKE_FILTER
      "^(bitset|handout_int|subnet_prefix|subnet_address|max_pods|plan|catalog_csv)/|^handout/enipool|^handout/vpc_cni_port/(16|256|1008)$|^sim/enipool/20$")
  # Every <area>/<implementation> of enipool-bench: each must produce a row.
  string(JOIN "," ENIPOOL_SMOKE_AREAS
         bitset/enipool handout/enipool handout/enipool_prefix_only handout/enipool_secondary_only
         handout/vpc_cni_port handout_int/enipool handout_int/boost_flat_map subnet_prefix/enipool
         subnet_address/enipool max_pods/side_by_side plan/vpc_cni_warm plan/cilium_watermarks
         plan/auto_mode_warm catalog_csv/enipool sim/enipool)
  add_test(NAME bench.smoke
           COMMAND sh -c "\"$0\" --benchmark_filter='${ENIPOOL_SMOKE_FILTER}' --benchmark_min_time=0.005 \
--benchmark_repetitions=2 --benchmark_format=json --benchmark_out_format=json --benchmark_out=\"$2\" >/dev/null \
&& \"$1\" --require-areas ${ENIPOOL_SMOKE_AREAS} \"$2\""
                   $<TARGET_FILE:enipool-bench> ${PROJECT_SOURCE_DIR}/tools/bench-summary
                   ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke.json)
  set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 300)
endif()

# bench.summary_require: tools/bench-summary --require-areas passes when every listed area
# has a row, and exits non-zero naming the area when one has none, so that a broken check
# cannot let bench.smoke pass with a family missing.
add_test(NAME bench.summary_require
         COMMAND sh -c "\"$0\" --require-areas bitset,bitset/enipool \"$1\" >/dev/null \
&& ! \"$0\" --require-areas bitset,sim/enipool \"$1\" >/dev/null \
&& \"$0\" --require-areas bitset,sim/enipool \"$1\" | grep -q 'FAILED required area sim/enipool: no benchmark row'"
                 ${PROJECT_SOURCE_DIR}/tools/bench-summary ${PROJECT_SOURCE_DIR}/tests/data/bench-summary-one-row.json)
set_tests_properties(bench.summary_require PROPERTIES LABELS bench)
