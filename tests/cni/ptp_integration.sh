#!/bin/bash
# cni.ptp: enipool-cni serving the REAL ptp plugin (Debian's containernetworking-plugins).
#
# Creates two network namespaces, a test "host" and a "container", runs /usr/lib/cni/ptp
# inside the host namespace with "ipam": {"type": "enipool-cni"}, and checks:
#   1. ADD: the container's eth0 carries exactly the address enipool-cni handed out;
#      CHECK with that prevResult passes; a repeated IPAM ADD for the key gives the same address.
#   2. DEL: the address is released and cooling: the next ADD (another key) gets a different
#      address, and the checkpoint still lists it; DEL of an unknown key succeeds.
#   3. 50 parallel IPAM ADDs from separate processes (as ptp would run them) give 50 distinct
#      addresses; every key then gets its own address back, the checkpoint holds each address
#      once, and one more ADD is refused with code 100 once the 66 addresses are all taken.
#   4. 50 parallel ptp ADDs into 50 more container namespaces (a second network, 0.4.0): each
#      eth0 carries its own address, 50 distinct; 50 parallel ptp DELs leave 50 cooling.
# Only 100.64.0.0/10 addresses are used; ipMasq is false (no iptables); nothing leaves the
# namespaces. Both namespaces and the temporary directory are removed on any exit.
#
# Usage: ptp_integration.sh <directory holding enipool-cni>
# Exit 77 (ctest SKIP) when not root, when ptp or ip is missing, or namespaces cannot be made.
set -u

SKIP=77
BIN_DIR=${1:?usage: ptp_integration.sh <directory holding enipool-cni>}
PTP=${ENIPOOL_PTP:-/usr/lib/cni/ptp}
PLUGIN="$BIN_DIR/enipool-cni"

skip() { echo "SKIP: $*"; exit $SKIP; }
[ "$(id -u)" = 0 ] || skip "needs root (creates network namespaces); run as root to test enipool-cni with ptp"
[ -x "$PTP" ] || skip "$PTP is missing (apt-get install containernetworking-plugins)"
command -v ip >/dev/null || skip "the ip command is missing (apt-get install iproute2)"
[ -x "$PLUGIN" ] || { echo "FAIL: $PLUGIN is not built"; exit 1; }

SUFFIX="$$-$RANDOM"
HOST="enipool-host-$SUFFIX"
CTR="enipool-ctr-$SUFFIX"
WORK=$(mktemp -d /tmp/enipool-cni-it.XXXXXX)
PAR_CTRS=""
cleanup() {
    for ns in $PAR_CTRS; do ip netns del "$ns" 2>/dev/null; done
    ip netns del "$CTR" 2>/dev/null
    ip netns del "$HOST" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$HOST" 2>/dev/null || skip "cannot create network namespaces here (ip netns add failed)"
ip netns add "$CTR" || { echo "FAIL: ip netns add $CTR"; exit 1; }
ip -n "$HOST" link set lo up

FAILURES=0
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok: $*"; }

# Capacity: eni-1 has 4 prefixes (64 addresses) and 2 secondary IPs = 66 addresses.
CONF=$(cat <<EOF
{"cniVersion": "1.0.0", "name": "enipool-it", "type": "ptp", "ipMasq": false,
 "ipam": {"type": "enipool-cni", "dataDir": "$WORK/state", "subnet": "100.64.0.0/16",
          "cooldownSeconds": 300,
          "enis": [{"id": "eni-1", "primaryIp": "100.64.0.10",
                    "prefixes": ["100.64.1.0/28", "100.64.1.16/28", "100.64.1.32/28", "100.64.1.48/28"],
                    "secondaryIps": ["100.64.0.11", "100.64.0.12"]}],
          "routes": [{"dst": "100.64.0.0/10", "gw": "100.64.0.1"}]}}
EOF
)
CNI_PATH_VALUE="$(dirname "$PTP"):$BIN_DIR"

# run_ptp COMMAND CONTAINERID CONFIG: ptp inside the host namespace, config on stdin.
run_ptp() {
    printf '%s' "$3" | ip netns exec "$HOST" env -i PATH="$PATH" CNI_COMMAND="$1" \
        CNI_CONTAINERID="$2" CNI_NETNS="/var/run/netns/$CTR" CNI_IFNAME=eth0 \
        CNI_PATH="$CNI_PATH_VALUE" CNI_ARGS="K8S_POD_NAMESPACE=it;K8S_POD_NAME=$2" "$PTP"
}
# run_ipam COMMAND CONTAINERID: enipool-cni directly, as ptp invokes it.
run_ipam() {
    printf '%s' "$CONF" | env -i CNI_COMMAND="$1" CNI_CONTAINERID="$2" \
        CNI_NETNS="/var/run/netns/$CTR" CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH_VALUE" \
        CNI_ARGS="K8S_POD_NAMESPACE=it;K8S_POD_NAME=$2" "$PLUGIN"
}
# The first IPv4 address ("a.b.c.d/len") in a result.
address_of() { grep -o '"address": *"[0-9.]*/[0-9]*"' | head -1 | sed 's/.*"\([0-9.]*\/[0-9]*\)"/\1/'; }
checkpoint_text() { cat "$WORK"/state/*.json 2>/dev/null; }
# One top-level list of the checkpoint (it is written one entry per line, keys sorted).
checkpoint_section() { checkpoint_text | sed -n "/^ \"$1\": \[\]/q; /^ \"$1\": \[/,/^ \]/p"; }

# --- 1. ADD through ptp ----------------------------------------------------------------
OUT=$(run_ptp ADD ctr-main "$CONF"); RC=$?
echo "ptp ADD result: $OUT"
ADDR=$(printf '%s' "$OUT" | address_of)
if [ $RC -ne 0 ] || [ -z "$ADDR" ]; then
    fail "ptp ADD failed (rc $RC)"
    exit 1
fi
case "$ADDR" in
    100.64.*/16) pass "ptp ADD handed out $ADDR" ;;
    *) fail "address $ADDR is not in 100.64.0.0/16" ;;
esac
if ip -n "$CTR" -4 addr show eth0 | grep -q "inet $ADDR "; then
    pass "eth0 in the container carries $ADDR"
else
    fail "eth0 in the container lacks $ADDR:"; ip -n "$CTR" -4 addr show eth0
fi
CHECK_CONF="${CONF%\}}, \"prevResult\": $OUT}"
if run_ptp CHECK ctr-main "$CHECK_CONF"; then pass "ptp CHECK passes"; else fail "ptp CHECK failed"; fi
AGAIN=$(run_ipam ADD ctr-main | address_of)
[ "$AGAIN" = "$ADDR" ] && pass "a repeated ADD returns $ADDR again" || fail "repeated ADD gave '$AGAIN', not $ADDR"

# --- 2. DEL and cooldown ----------------------------------------------------------------
if run_ptp DEL ctr-main "$CONF"; then pass "ptp DEL"; else fail "ptp DEL failed"; fi
ip -n "$CTR" link show eth0 >/dev/null 2>&1 && fail "eth0 is still in the container after DEL"
if checkpoint_section cooling | grep -q "\"${ADDR%/*}\"" &&
   ! checkpoint_section allocations | grep -q "\"${ADDR%/*}\""; then
    pass "the checkpoint lists ${ADDR%/*} as cooling, not allocated"
else
    fail "the checkpoint does not list ${ADDR%/*} as cooling:"; checkpoint_text
fi
NEXT=$(run_ipam ADD ctr-next | address_of)
if [ -n "$NEXT" ] && [ "$NEXT" != "$ADDR" ]; then
    pass "the next ADD gets $NEXT, not the cooling $ADDR"
else
    fail "the next ADD gave '$NEXT' (cooling address $ADDR must not be reused)"
fi
run_ipam DEL never-added >/dev/null && pass "DEL of an unknown key succeeds" || fail "DEL of an unknown key failed"

# --- 3. 50 parallel ADDs ----------------------------------------------------------------
mkdir -p "$WORK/par"
for i in $(seq 1 50); do
    ( run_ipam ADD "par-$i" >"$WORK/par/$i.out" 2>"$WORK/par/$i.err"; echo $? >"$WORK/par/$i.rc" ) &
done
wait
BAD=0
for i in $(seq 1 50); do
    [ "$(cat "$WORK/par/$i.rc")" = 0 ] || { BAD=$((BAD + 1)); echo "  par-$i: $(cat "$WORK/par/$i.out" "$WORK/par/$i.err")"; }
done
[ $BAD -eq 0 ] && pass "50 parallel ADDs succeeded" || fail "$BAD of 50 parallel ADDs failed"
for i in $(seq 1 50); do address_of <"$WORK/par/$i.out"; done | sort >"$WORK/par/all"
DISTINCT=$(sort -u "$WORK/par/all" | grep -c .)
[ "$DISTINCT" -eq 50 ] && pass "50 distinct addresses" || fail "$DISTINCT distinct addresses among 50 ADDs"
grep -qx "$ADDR" "$WORK/par/all" && fail "a parallel ADD got the cooling address $ADDR"
grep -qx "$NEXT" "$WORK/par/all" && fail "a parallel ADD got $NEXT, held by ctr-next"
# The checkpoint is consistent: every key gets its own address back (each call also
# validates the whole checkpoint), and each address appears in it exactly once.
MISMATCH=0
for i in $(seq 1 50); do
    [ "$(run_ipam ADD "par-$i" | address_of)" = "$(address_of <"$WORK/par/$i.out")" ] || MISMATCH=$((MISMATCH + 1))
done
[ $MISMATCH -eq 0 ] && pass "every parallel key reads back its own address" || fail "$MISMATCH keys read back another address"
DUPS=0
for a in $(sed 's/\/.*//' "$WORK/par/all"); do
    [ "$(checkpoint_section allocations | grep -o "\"$a\"" | grep -c .)" -eq 1 ] || DUPS=$((DUPS + 1))
done
[ $DUPS -eq 0 ] && pass "the checkpoint's allocations list each of the 50 addresses once" || fail "$DUPS addresses are not listed exactly once"
# 66 addresses: 50 + ctr-next + cooling ADDR = 52 used, 14 left; the 15th further ADD fails.
for i in $(seq 1 14); do run_ipam ADD "fill-$i" >/dev/null || fail "fill-$i was refused"; done
FULL=$(run_ipam ADD overflow); RC=$?
if [ $RC -ne 0 ] && printf '%s' "$FULL" | grep -q '"code": *100'; then
    pass "ADD with every address taken or cooling fails with code 100"
else
    fail "ADD beyond capacity: rc $RC, $FULL"
fi

# --- 4. 50 parallel ptp ADDs into 50 namespaces -------------------------------------------
CONF2=$(cat <<EOF
{"cniVersion": "0.4.0", "name": "enipool-it2", "type": "ptp", "ipMasq": false,
 "ipam": {"type": "enipool-cni", "dataDir": "$WORK/state2", "subnet": "100.64.0.0/16",
          "enis": [{"id": "eni-a", "primaryIp": "100.64.0.20",
                    "prefixes": ["100.64.2.0/28", "100.64.2.16/28", "100.64.2.32/28", "100.64.2.48/28"]}],
          "routes": [{"dst": "100.64.0.0/10", "gw": "100.64.0.1"}]}}
EOF
)
# run_ptp_in NS COMMAND CONTAINERID: ptp (host namespace) for the container namespace NS.
run_ptp_in() {
    printf '%s' "$CONF2" | ip netns exec "$HOST" env -i PATH="$PATH" CNI_COMMAND="$2" \
        CNI_CONTAINERID="$3" CNI_NETNS="/var/run/netns/$1" CNI_IFNAME=eth0 \
        CNI_PATH="$CNI_PATH_VALUE" CNI_ARGS="K8S_POD_NAMESPACE=it;K8S_POD_NAME=$3" "$PTP"
}
mkdir -p "$WORK/ptp"
for i in $(seq 1 50); do
    ns="enipool-c$i-$SUFFIX"
    ip netns add "$ns" || { fail "ip netns add $ns"; continue; }
    PAR_CTRS="$PAR_CTRS $ns"
done
for i in $(seq 1 50); do
    ( run_ptp_in "enipool-c$i-$SUFFIX" ADD "ptp-$i" >"$WORK/ptp/$i.out" 2>"$WORK/ptp/$i.err"; echo $? >"$WORK/ptp/$i.rc" ) &
done
wait
BAD=0; WRONG=0
for i in $(seq 1 50); do
    if [ "$(cat "$WORK/ptp/$i.rc")" != 0 ]; then
        BAD=$((BAD + 1)); echo "  ptp-$i: $(cat "$WORK/ptp/$i.out" "$WORK/ptp/$i.err")"; continue
    fi
    a=$(address_of <"$WORK/ptp/$i.out")
    ip -n "enipool-c$i-$SUFFIX" -4 addr show eth0 | grep -q "inet $a " || WRONG=$((WRONG + 1))
done
[ $BAD -eq 0 ] && pass "50 parallel ptp ADDs into 50 namespaces succeeded" || fail "$BAD of 50 parallel ptp ADDs failed"
[ $WRONG -eq 0 ] && pass "each of the 50 containers' eth0 carries the address of its result" || fail "$WRONG containers lack their address"
DISTINCT=$(for i in $(seq 1 50); do address_of <"$WORK/ptp/$i.out"; done | sort -u | grep -c .)
[ "$DISTINCT" -eq 50 ] && pass "50 distinct addresses through ptp" || fail "$DISTINCT distinct addresses among 50 ptp ADDs"
for i in $(seq 1 50); do
    ( run_ptp_in "enipool-c$i-$SUFFIX" DEL "ptp-$i" >"$WORK/ptp/$i.del" 2>&1; echo $? >"$WORK/ptp/$i.delrc" ) &
done
wait
BAD=0
for i in $(seq 1 50); do [ "$(cat "$WORK/ptp/$i.delrc")" = 0 ] || { BAD=$((BAD + 1)); cat "$WORK/ptp/$i.del"; }; done
[ $BAD -eq 0 ] && pass "50 parallel ptp DELs succeeded" || fail "$BAD of 50 parallel ptp DELs failed"
STATE2=$(cat "$WORK"/state2/*.json)
if printf '%s' "$STATE2" | grep -q '"allocations": \[\]' &&
   [ "$(printf '%s' "$STATE2" | grep -c '"releasedAt"')" -eq 50 ]; then
    pass "after the DELs the checkpoint holds no allocation and 50 cooling addresses"
else
    fail "checkpoint after 50 DELs:"; printf '%s\n' "$STATE2" | head -20
fi

if [ $FAILURES -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
fi
echo "all checks passed"
