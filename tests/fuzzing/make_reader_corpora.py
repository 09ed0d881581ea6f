#!/usr/bin/env python3
# Writes the seed corpora of the catalog_csv, catalog_json, aws_subnet and pool_ops fuzz
# targets: the valid fixtures, and every malformed input of the readers' unit tests
# (tests/unit/catalog_test.cpp, tests/unit/aws_subnet_test.cpp), taken from those sources so
# the two stay in step. Run from anywhere: python3 tests/fuzzing/make_reader_corpora.py
import os, re, json

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(root, "tests", "fuzzing", "corpus")

def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def read(*path):
    with open(os.path.join(root, *path), "rb") as f:
        return f.read().decode()

def unescape(s):  # a C++ string literal body (only the escapes the tests use)
    return s.encode().decode("unicode_escape")

# --- catalog_csv: header + good row + each bad row, the vcpus and header cases ----------
cat = read("tests", "unit", "catalog_test.cpp")
header = unescape(re.search(r'const std::string header =\s*"([^"]*)";', cat).group(1))
good = "m5.large,3,10,0,0:3,nitro,false\n"
rows = re.search(r"bad_rows = \{(.*?)\n    \};", cat, re.S).group(1)
for i, m in enumerate(re.finditer(r'\{"([^"]*)", "', rows)):
    write("catalog_csv", "bad_row_%02d.csv" % i, header + good + unescape(m.group(1)))
vh = "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,bare_metal,vcpus\n"
write("catalog_csv", "vcpus_word.csv", vh + "m5.large,3,10,0,0:3,nitro,false,two\n")
write("catalog_csv", "vcpus_zero.csv", vh + "m5.large,3,10,0,0:3,nitro,false,0\n")
write("catalog_csv", "blank_line_then_bad.csv", header + good + "\nc5.large,3,10,0,0:3,kvm,false\n")
write("catalog_csv", "header_missing_column.csv", "instance_type,max_enis,ipv4_per_eni\nm5.large,3,10\n")
write("catalog_csv", "header_twice.csv", "instance_type,max_enis,max_enis,ipv4_per_eni\n")
write("catalog_csv", "empty.csv", "")
write("catalog_csv", "valid_one_row.csv", header + good)
write("catalog_csv", "valid_crlf.csv", (header + good).replace("\n", "\r\n"))
builtin = re.search(r'builtin_catalog_csv = R"\((.*?)\)";', read("include", "enipool", "catalog.hpp"), re.S).group(1)
write("catalog_csv", "valid_builtin.csv", builtin)

# --- catalog_json: the unit test's malformed documents, and the fixture ------------------
ok_net = '"NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10}'
m5 = '{"InstanceType":"m5.large",' + ok_net + "}"
doc = lambda second: '{"InstanceTypes":[' + m5 + "," + second + "]}"
cases = [
    doc('{"NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10}}'),
    doc('{"InstanceType":7,' + ok_net + "}"),
    doc('{"InstanceType":"c5.large"}'),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3}}'),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":-3,"Ipv4AddressesPerInterface":10}}'),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":"10"}}'),
    doc('{"InstanceType":"c5.large","VCpuInfo":{"DefaultVCpus":2.5},' + ok_net + "}"),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10,'
        '"NetworkCards":[{"NetworkCardIndex":0}]}}'),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10,'
        '"DefaultNetworkCardIndex":2,"NetworkCards":[{"NetworkCardIndex":0,"MaximumNetworkInterfaces":3}]}}'),
    doc('{"InstanceType":"c5.large","Hypervisor":"kvm",' + ok_net + "}"),
    doc('{"InstanceType":"c5.large","BareMetal":"no",' + ok_net + "}"),
    doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":1}}'),
    doc(m5),
    doc("[]"),
    '{"Reservations":[]}',
    '{"InstanceTypes":{}}',
    '{"InstanceTypes":[',
]
for i, text in enumerate(cases):
    write("catalog_json", "malformed_%02d.json" % i, text)
write("catalog_json", "deep_nesting.json", '{"InstanceTypes":' + "[" * 10000 + "]" * 10000 + "}")
write("catalog_json", "huge_number.json", doc('{"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":1e400,"Ipv4AddressesPerInterface":10}}'))
write("catalog_json", "valid_default_card.json", '{"InstanceTypes":[{"InstanceType":"x.odd","NetworkInfo":{"MaximumNetworkInterfaces":12,'
      '"Ipv4AddressesPerInterface":10,"DefaultNetworkCardIndex":1,"NetworkCards":[{"NetworkCardIndex":0,'
      '"MaximumNetworkInterfaces":4},{"NetworkCardIndex":1,"MaximumNetworkInterfaces":8}]}}]}')
write("catalog_json", "valid_describe_instance_types.json", read("tests", "data", "describe-instance-types.json"))
write("catalog_json", "valid_csv_detected.csv", header + good)

# --- aws_subnet: every rejected document of the unit test, and the fixtures -------------
aws = read("tests", "unit", "aws_subnet_test.cpp")
for i, m in enumerate(re.finditer(r'(?:rejected|fails)\(R"\((.*?)\)"', aws, re.S)):
    write("aws_subnet", "malformed_%02d.json" % i, m.group(1))
write("aws_subnet", "blank.json", "  \n")
page1 = read("tests", "data", "aws", "describe-network-interfaces-page1.json")
page2 = read("tests", "data", "aws", "describe-network-interfaces-page2.json")
reservations = read("tests", "data", "aws", "get-subnet-cidr-reservations.json")
write("aws_subnet", "valid_page1.json", page1)
write("aws_subnet", "valid_pages.json", page1 + page2)
write("aws_subnet", "valid_reservations.json", reservations)
write("aws_subnet", "valid_interfaces_nul_reservations.json", page1 + page2 + "\0" + reservations)
write("aws_subnet", "deep_nesting.json", '{"NetworkInterfaces":' + "[" * 10000 + "]" * 10000 + "}")

# --- pool_ops: programs (see fuzz_pool_ops.cpp for the byte layout) ----------------------
# byte 0 packing, 1 ENIs, 2 IPv4 per ENI, 3 subnet length, 4 strategy, 5 seed, 6 knobs, [targets]
def program(packing, enis, ipv4, length, knobs, extra, ops):
    return bytes([packing, enis, ipv4, length, 0, 7, knobs] + extra + ops)
grow = [5, 0, 6, 0, 0, 5, 0, 6, 0, 0]            # plan, answer with EC2's grant (twice)
churn = [0, 1, 0, 2, 0, 3, 2, 1, 3, 40, 1, 3]    # assign 1, 2; release 1, 2; 40 s pass
write("pool_ops", "grow_and_churn", program(0, 3, 10, 2, 8, [4], grow + churn * 8))
write("pool_ops", "fullest_prefix", program(1, 3, 10, 2, 8 | 32, [4, 1], grow + churn * 8 + [5, 0, 6, 0, 0]))
write("pool_ops", "spread_secondary", program(2, 2, 4, 5, 8, [2], grow + churn * 4))
write("pool_ops", "ec2_errors", program(0, 3, 10, 2, 8, [4], [5, 0, 6, 0, 1, 0, 5, 0, 6, 0, 1, 1]))
write("pool_ops", "made_up_grants", program(0, 3, 10, 2, 8, [4], [5, 0, 6, 0, 2, 1, 3, 5, 9, 1, 7, 5, 0, 6, 0, 6, 2, 3, 200, 1]))
write("pool_ops", "tenants", program(0, 3, 10, 5, 8, [4], [9, 1, 1, 9, 2, 2, 5, 10] + grow + [9, 3, 0]))
write("pool_ops", "answer_to_nothing", program(0, 1, 2, 0, 0, [], [8, 3, 4, 7, 9, 8, 0]))
write("pool_ops", "empty", b"")
