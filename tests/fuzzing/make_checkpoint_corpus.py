#!/usr/bin/env python3
# Writes the seed corpora of the checkpoint_restore and vpc_cni_import fuzz targets: valid
# documents and every malformed input the unit tests (tests/unit/checkpoint_test.cpp,
# vpc_cni_import_test.cpp) use; those tests read these files and state what each produces.
# Run from anywhere: python3 tests/fuzzing/make_checkpoint_corpus.py
import json, copy, os
W = 1767225600000000000
S = 1000000000
base = {
 "version": "enipool/1", "savedAt": W, "keyType": "cni",
 "enis": [
  {"id": "eni-a", "deviceIndex": 0, "networkCard": 0, "subnet": "100.64.0.0/16", "primaryIp": "100.64.0.10",
   "cidrs": ["100.64.1.0/28", "100.64.0.11/32"], "flags": {"trunk": False, "efaOnly": False, "excluded": False}},
  {"id": "eni-b", "deviceIndex": 1, "networkCard": 0, "subnet": "100.64.0.0/16", "primaryIp": "100.64.0.20",
   "cidrs": ["100.64.2.0/28"]}],
 "allocations": [
  {"networkName": "aws-cni", "containerID": "c1", "ifName": "eth0", "ipv4": "100.64.1.0",
   "allocationTimestamp": W - 10*S, "eni": "eni-a", "metadata": {"k8sPodNamespace": "default", "k8sPodName": "web-1"}},
  {"networkName": "aws-cni", "containerID": "c2", "ifName": "eth0", "ipv4": "100.64.2.5",
   "allocationTimestamp": W - 100*S, "metadata": {"k8sPodNamespace": "kube-system", "k8sPodName": "dns"}}],
 "cooling": [
  {"ipv4": "100.64.1.1", "releasedAt": W - 10*S, "eni": "eni-a"},
  {"ipv4": "100.64.0.11", "releasedAt": W - 50*S}]}
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "checkpoint_restore") + "/"
def out(name, doc=None, raw=None):
    with open(d + name, "wb") as f:
        f.write(raw if raw is not None else (json.dumps(doc, indent=1) + "\n").encode())
def mut(name, f):
    doc = copy.deepcopy(base); f(doc); out(name, doc)
out("valid_cni.json", base)
ints = copy.deepcopy(base); ints["keyType"] = "integer"
ints["allocations"] = [{"key": 18446744073709551615, "ipv4": "100.64.1.0", "allocationTimestamp": W - 10*S, "eni": "eni-a"},
                       {"key": 7, "ipv4": "100.64.2.5", "allocationTimestamp": W - 100*S}]
out("valid_integer.json", ints)
# the stand-in writer's format (examples/cni/checkpoint_adapter.hpp): no keyType, flags or eni
st = copy.deepcopy(base); del st["keyType"]; del st["enis"][0]["flags"]; del st["allocations"][0]["eni"]; del st["cooling"][0]["eni"]
out("valid_standin.json", st)
out("valid_empty_pool.json", {"version": "enipool/1", "savedAt": W, "enis": [], "allocations": [], "cooling": []})
def s(k, v): return lambda d: d.__setitem__(k, v)
mut("bad_version.json", s("version", "enipool/2"))
mut("no_version.json", lambda d: d.pop("version"))
mut("vpc_version.json", s("version", "vpc-cni-ipam/1"))
mut("version_number.json", s("version", 1))
mut("integer_keys_in_cni_file.json", s("keyType", "integer"))
out("not_object.json", [1, 2])
out("empty.json", raw=b"")
txt = (json.dumps(base, indent=1) + "\n").encode()
out("truncated.json", raw=txt[:len(txt)//2])
out("corrupt_bytes.json", raw=txt[:200] + b"\xff\xfe\x00" + txt[203:])
out("deep_nesting.json", raw=b'{"version": "enipool/1", "enis": ' + b"[" * 10000 + b"]" * 10000 + b"}")
out("huge_number.json", raw=txt.replace(str(W).encode(), b"1e400", 1))
mut("huge_integer.json", lambda d: d["enis"][0].__setitem__("deviceIndex", 18446744073709551616))
mut("negative_unsigned.json", lambda d: d["enis"][0].__setitem__("deviceIndex", -1))
mut("device_index_too_big.json", lambda d: d["enis"][1].__setitem__("deviceIndex", 70000))
mut("string_for_number.json", lambda d: d["allocations"][0].__setitem__("allocationTimestamp", "yesterday"))
mut("float_time.json", lambda d: d["cooling"][0].__setitem__("releasedAt", 1.5e18))
mut("time_out_of_range.json", lambda d: d["cooling"][0].__setitem__("releasedAt", 9223372036854775807))
mut("duplicate_address.json", lambda d: d["allocations"][1].__setitem__("ipv4", "100.64.1.0"))
# valid: as in ipamd's ReadBackingStore, a key twice keeps both addresses, and a pod on an
# excluded ENI keeps its address
mut("valid_duplicate_key.json", lambda d: d["allocations"][1].__setitem__("containerID", "c1"))
mut("held_and_cooling.json", lambda d: d["cooling"][0].__setitem__("ipv4", "100.64.1.0"))
mut("cooling_twice.json", lambda d: d["cooling"][1].__setitem__("ipv4", "100.64.1.1"))
mut("address_outside_slots.json", lambda d: d["allocations"][0].__setitem__("ipv4", "100.64.3.1"))
mut("primary_ip_allocated.json", lambda d: d["allocations"][0].__setitem__("ipv4", "100.64.0.10"))
mut("cooling_outside_slots.json", lambda d: d["cooling"][0].__setitem__("ipv4", "100.64.9.9"))
mut("cidr_unaligned.json", lambda d: d["enis"][0]["cidrs"].__setitem__(0, "100.64.1.3/28"))
mut("cidr_outside_subnet.json", lambda d: d["enis"][1]["cidrs"].__setitem__(0, "100.65.2.0/28"))
mut("cidr_24.json", lambda d: d["enis"][1]["cidrs"].append("100.64.4.0/24"))
mut("cidr_overlap.json", lambda d: d["enis"][1]["cidrs"].append("100.64.1.0/28"))
mut("cidr_not_string.json", lambda d: d["enis"][1]["cidrs"].append(1684275712))
mut("duplicate_eni.json", lambda d: d["enis"][1].__setitem__("id", "eni-a"))
def four(d):
    for i in range(2, 4):
        d["enis"].append({"id": "eni-%d" % i, "deviceIndex": i, "networkCard": 0, "subnet": "100.64.0.0/16",
                          "primaryIp": "100.64.0.%d" % (30 + i), "cidrs": []})
mut("too_many_enis.json", four)
mut("too_many_cidrs.json", lambda d: d["enis"][1].__setitem__("cidrs", ["100.64.%d.0/28" % (10 + i) for i in range(10)]))
mut("bad_address.json", lambda d: d["allocations"][0].__setitem__("ipv4", "100.64.1.256"))
mut("wrong_eni.json", lambda d: d["allocations"][0].__setitem__("eni", "eni-b"))
mut("key_too_long.json", lambda d: d["allocations"][0].__setitem__("ifName", "a-very-long-ifname"))
mut("enis_not_array.json", s("enis", {}))
mut("enis_missing.json", lambda d: d.pop("enis"))
mut("allocation_not_object.json", s("allocations", [5]))
mut("missing_ipv4.json", lambda d: d["allocations"][0].pop("ipv4"))
mut("flags_not_bool.json", lambda d: d["enis"][0]["flags"].__setitem__("trunk", "yes"))
def excl(d): d["enis"][1]["flags"] = {"excluded": True}
mut("valid_allocation_on_excluded_eni.json", excl)
mut("metadata_not_object.json", lambda d: d["allocations"][0].__setitem__("metadata", ["default", "web-1"]))
mut("primary_outside_subnet.json", lambda d: d["enis"][0].__setitem__("primaryIp", "100.65.0.10"))
mut("empty_eni_id.json", lambda d: d["enis"][0].__setitem__("id", ""))

# vpc-cni-ipam/1 (docs/domain.md section 4)
v = {"version": "vpc-cni-ipam/1", "allocations": [
  {"networkName": "aws-cni", "containerID": "a1", "ifName": "eth0", "sandbox": "/var/run/netns/cni-1", "ipv4": "100.64.1.4",
   "allocationTimestamp": W - 60*S, "metadata": {"k8sPodNamespace": "default", "k8sPodName": "web-1"}},
  {"networkName": "aws-cni", "containerID": "a2", "ifName": "eth0", "ipv4": "100.64.0.11",
   "metadata": {"k8sPodNamespace": "default", "k8sPodName": "web-2"}},
  {"networkName": "aws-cni", "containerID": "a3", "ifName": "eth0", "ipv4": "100.64.7.7",
   "allocationTimestamp": W - 5*S, "metadata": {"k8sPodNamespace": "batch", "k8sPodName": "job-3"}},
  {"networkName": "aws-cni", "containerID": "a4", "ifName": "eth0", "ipv6": "2001:db8::4",
   "allocationTimestamp": W - 5*S}]}
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "vpc_cni_import") + "/"
def vmut(name, f):
    doc = copy.deepcopy(v); f(doc); out(name, doc)
out("valid_ipam.json", v)
out("valid_empty.json", {"version": "vpc-cni-ipam/1", "allocations": []})
out("valid_no_allocations.json", {"version": "vpc-cni-ipam/1"})
vmut("bad_version.json", s("version", "vpc-cni-ipam/2"))
vmut("enipool_version.json", s("version", "enipool/1"))
vmut("duplicate_address.json", lambda d: d["allocations"][1].__setitem__("ipv4", "100.64.1.4"))
vmut("duplicate_key.json", lambda d: d["allocations"][1].__setitem__("containerID", "a1"))
vmut("ipv4_number.json", lambda d: d["allocations"][0].__setitem__("ipv4", 1684275460))
vmut("missing_container_id.json", lambda d: d["allocations"][0].pop("containerID"))
vmut("negative_time.json", lambda d: d["allocations"][0].__setitem__("allocationTimestamp", -9223372036854775807))
vmut("string_time.json", lambda d: d["allocations"][0].__setitem__("allocationTimestamp", "now"))
vmut("allocations_object.json", s("allocations", {"a": 1}))
vmut("bad_ipv6.json", lambda d: d["allocations"][3].__setitem__("ipv6", "2001:db8::zz"))
vmut("no_address.json", lambda d: d["allocations"][3].pop("ipv6"))
vmut("bad_ipv4.json", lambda d: d["allocations"][0].__setitem__("ipv4", "100.64.1"))
vtxt = (json.dumps(v, indent=1) + "\n").encode()
out("truncated.json", raw=vtxt[:len(vtxt)*2//3])
out("deep_nesting.json", raw=b'{"version": "vpc-cni-ipam/1", "allocations": ' + b"[" * 10000 + b"]" * 10000 + b"}")
out("huge_number.json", raw=vtxt.replace(str(W - 60*S).encode(), b"1e400", 1))
out("not_object.json", "vpc-cni-ipam/1")
out("empty.json", raw=b"")
