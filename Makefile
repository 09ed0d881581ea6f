# The commands users type. Every target installs the Debian packages the build needs first
# (make deps costs nothing when they are all there), then shares one build per preset.
JOBS        ?= $(shell nproc)
MAKEFLAGS   += --no-print-directory
FUZZ_SECONDS ?= 30
BUILD       := build
BENCH_REPETITIONS ?= 9
DEB_PACKAGES := cmake g++ make git python3 clang libclang-rt-14-dev libboost1.81-dev libfmt-dev \
                libcli11-dev nlohmann-json3-dev catch2 librapidcheck-dev libbenchmark-dev \
                containernetworking-plugins iproute2 util-linux

.PHONY: all deps configure build test test-sanitize bench demo fuzz clean

all: build

deps:
	@./tools/install-deps $(DEB_PACKAGES)

configure: deps
	@cmake --preset default >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-sanitize: deps
	@cmake --preset sanitize >/dev/null
	@cmake --build build-sanitize -j $(JOBS)
	@ctest --test-dir build-sanitize --output-on-failure -j $(JOBS)

# bench and demo build only the program they run (make test builds everything; all three
# share build/, so nothing is built twice).
bench: configure
	@cmake --build $(BUILD) -j $(JOBS) --target enipool-bench
	@mkdir -p $(BUILD)/bench
	@# The hand-out rows (and their bitset floor) are the ones the goals judge, and the ones a
	@# shared VM moves by several ns: each is repeated and its median reported. The
	@# repetitions of all rows run in random order, so a burst of noise from the host lands on
	@# a few repetitions of many rows rather than on every repetition of one.
	@./$(BUILD)/bin/enipool-bench --benchmark_filter='^(handout|handout_int|bitset)/' \
	    --benchmark_repetitions=$(BENCH_REPETITIONS) --benchmark_enable_random_interleaving=true \
	    --benchmark_min_time=0.2 --benchmark_format=json --benchmark_out_format=json \
	    --benchmark_out=$(BUILD)/bench/handout.json >/dev/null
	@./$(BUILD)/bin/enipool-bench --benchmark_filter='-^(handout|handout_int|bitset)/' \
	    --benchmark_format=json --benchmark_out_format=json --benchmark_out=$(BUILD)/bench/other.json >/dev/null
	@./tools/bench-summary --merge-into $(BUILD)/bench/results.json $(BUILD)/bench/handout.json \
	    $(BUILD)/bench/other.json

# The capacity planner's default scenario: the three growth policies on a small (/22),
# 15%-pre-fragmented subnet, built-in catalog, the VPC CNI v1.23.1 exactly and with enipool's
# improvements (--behaviour both); prints the summary, writes the chart.
demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target enipool-plan
	@./$(BUILD)/bin/enipool-plan simulate --subnet 198.18.0.0/22 --behaviour both --svg $(BUILD)/demo.svg
	@echo "chart: $(BUILD)/demo.svg"

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@./tools/run-fuzzers build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-sanitize build-fuzz
