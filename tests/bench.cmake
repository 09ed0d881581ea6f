# bench.smoke: every hand-out benchmark runs briefly, repeated, and tools/bench-summary reads
# the result as make bench does. A checksum mismatch (a benchmark that lost or invented work)
# or a summary that cannot read repeated runs fails the test. Speed is judged only by
# make bench, never here.
if(TARGET enipool-bench)
  add_test(NAME bench.smoke
           COMMAND sh -c "\"$0\" --benchmark_filter='^(handout|handout_int|bitset)/' --benchmark_min_time=0.005 \
--benchmark_repetitions=2 --benchmark_format=json --benchmark_out_format=json --benchmark_out=\"$2\" >/dev/null \
&& \"$1\" \"$2\""
                   $<TARGET_FILE:enipool-bench> ${PROJECT_SOURCE_DIR}/tools/bench-summary
                   ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke.json)
  set_tests_properties(bench.smoke PROPERTIES LABELS bench TIMEOUT 300)
endif()
