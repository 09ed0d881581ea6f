#!/usr/bin/env bash
# tools/update-instance-data on small fixtures in the upstream files' shapes
# (tests/data/upstream-fixtures), each made a git repository here as the real mirrors are:
# the header it writes names the fixtures' commits, compiles, holds the rows the fixtures
# imply (vCPUs only where a source gives them, cards sorted), and a second run gives the
# same bytes. Usage: update_instance_data.sh SOURCE_DIR CXX
set -euo pipefail
src=$1
cxx=${2:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

declare -A commit
for repo in vpc-cni autoscaler karpenter; do
  cp -r "$src/tests/data/upstream-fixtures/$repo" "$work/$repo"
  git -C "$work/$repo" init -q
  git -C "$work/$repo" add -A
  git -C "$work/$repo" -c user.name=t -c user.email=t@example.invalid commit -qm fixture
  commit[$repo]=$(git -C "$work/$repo" rev-parse HEAD)
done

run() {
  python3 "$src/tools/update-instance-data" --vpc-cni "$work/vpc-cni" --autoscaler "$work/autoscaler" \
    --karpenter "$work/karpenter" --header "$work/$1.hpp" --eni-max-pods "$work/$1.txt" >/dev/null
}
run first
run second
cmp -s "$work/first.hpp" "$work/second.hpp" || fail "two runs wrote different headers"
cmp -s "$work/first.txt" "$work/second.txt" || fail "two runs wrote different eni-max-pods copies"

h="$work/first.hpp"
for repo in vpc-cni autoscaler karpenter; do
  grep -q "${commit[$repo]}" "$h" || fail "the header does not name the $repo commit ${commit[$repo]}"
done
expect_row() { grep -qF "$1" "$h" || fail "no row: $1"; }
# a0.old: no vCPU source -> 0 (unknown); xen; no trunking or EFA data
expect_row '{"a0.old", 0, 2, 4, 0, hv::xen, false, known::unknown, known::unknown, 0, "0:2"},'
# x1.large: vCPUs from the autoscaler, trunking from Karpenter's limits; EFA unknown
expect_row '{"x1.large", 2, 3, 10, 0, hv::nitro, false, known::unknown, known::yes, 9, "0:3"},'
# x1.metal: empty hypervisor -> unknown; vCPUs and EFA from Karpenter's describe data; cards sorted
expect_row '{"x1.metal", 96, 2, 50, 0, hv::unknown, true, known::yes, known::unknown, 0, "0:2;1:2"},'
[ "$(grep -c '^    {"' "$h")" -eq $((3 + 4)) ] || fail "expected 3 rows and 4 sources"
grep -q "^# Copied by tools/update-instance-data from aws/amazon-vpc-cni-k8s @ ${commit[vpc-cni]}" "$work/first.txt" \
  || fail "the eni-max-pods copy does not name its commit"
grep -q '^x1.large 29$' "$work/first.txt" || fail "the eni-max-pods copy lost a row"

# the header compiles on its own and its rows are what the catalog reads
cat > "$work/use.cpp" <<CPP
#include "first.hpp"
static_assert(std::size(enipool::instance_data::rows) == 3);
static_assert(enipool::instance_data::rows[0].name == "a0.old");
static_assert(enipool::instance_data::rows[2].vcpus == 96);
int main() {}
CPP
"$cxx" -std=c++20 -fsyntax-only -I"$work" "$work/use.cpp" || fail "the generated header does not compile"
echo "update-instance-data: fixtures ok (deterministic, commits named, rows as expected)"
