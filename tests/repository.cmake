# docs.references: no source file cites a Markdown document the repository lacks (users get
# only what is in the repository). docs.references_fail: the checker itself exits non-zero
# and names the citation on a folder that does cite a missing page, so a broken checker
# cannot pass silently.
set(ENIPOOL_DOC_CHECK ${PROJECT_SOURCE_DIR}/tools/check-doc-references)
add_test(NAME docs.references COMMAND ${ENIPOOL_DOC_CHECK})
add_test(NAME docs.references_fail
         COMMAND sh -c "! \"$0\" tests/data/doc-references >/dev/null 2>&1 && \"$0\" tests/data/doc-references 2>&1 | grep -q 'cites NOWHERE.md'"
                 ${ENIPOOL_DOC_CHECK})

# tools.update_instance_data: the catalog generator on fixtures in the upstream files' shapes
# (deterministic output, commits named, rows as the fixtures imply, a header that compiles).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME tools.update_instance_data
           COMMAND ${PROJECT_SOURCE_DIR}/tests/tools/update_instance_data.sh ${PROJECT_SOURCE_DIR} ${CMAKE_CXX_COMPILER})
else()
  # python3 is in the Makefile's package list; without it the test fails rather than skips
  add_test(NAME tools.update_instance_data COMMAND sh -c "echo 'python3 is missing: make deps installs it' >&2; exit 1")
endif()

# tools.mutate_list: every mutation of tools/mutate still applies (its original text occurs
# exactly once in its header), so that a header edit cannot leave the mutation check stale
# unnoticed. Only the list is checked; the mutation run itself is not part of the suite.
if(Python3_FOUND)
  add_test(NAME tools.mutate_list COMMAND ${PROJECT_SOURCE_DIR}/tools/mutate --list)
  set_tests_properties(tools.mutate_list PROPERTIES WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
