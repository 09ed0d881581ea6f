#!/usr/bin/env python3
# Writes the seed corpus of the plan_cli fuzz target: every `enipool-plan` command line of the
# user documentation (README.md, then docs/*.md in name order; shell examples, continuation
# lines joined) as NUL-separated arguments after the program's name, in the order they appear
# (seeds readme_NN), plus a few hostile values on the flags they use. Run from anywhere:
# python3 tests/fuzzing/make_plan_cli_corpus.py
import glob, os, re, shlex

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(root, "tests", "fuzzing", "corpus", "plan_cli")
os.makedirs(corpus, exist_ok=True)

pages = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
text = ""
for page in pages:
    with open(page, encoding="utf-8") as f:
        text += f.read().replace("\\\n", " ") + "\n"

seeds = []
for line in text.splitlines():
    m = re.search(r"(?:^|\$ |build/bin/)enipool-plan ((?:catalog|max-pods|simulate|subnet)\b[^|>#`]*)", line)
    if not m:
        continue
    try:
        args = shlex.split(m.group(1))
    except ValueError:
        continue
    if args not in seeds:
        seeds.append(args)

hostile = [["simulate", "--subnet", "10.0.0.0/16", "--churn", "nan"],
           ["simulate", "--subnet", "10.0.0.0/16", "--pre-fragment", "-inf"],
           ["simulate", "--subnet", "10.0.0.0/16", "--throttle-rate", "1e308"],
           ["simulate", "--subnet", "10.0.0.0/33", "--seed", "18446744073709551616"],
           ["simulate", "--subnet", "10.0.0.0/16", "--duration", "", "--csv", "/"],
           ["subnet", "--subnet", "198.18.0.0/24", "--no-map=", "--subnet-id", "subnet-\u00e9"],
           ["max-pods", "--type", "m5.large", "--max-pods-expression", "default_enis\n*2", "--vcpus", "4294967296"],
           ["catalog", "--help=0"], ["--help"], []]
for i, args in enumerate(seeds + hostile):
    name = ("readme_%02d" % i) if i < len(seeds) else ("hostile_%02d" % (i - len(seeds)))
    with open(os.path.join(corpus, name), "wb") as f:
        f.write("\0".join(args).encode("utf-8"))
print("%d documentation seeds, %d hostile seeds in %s" % (len(seeds), len(hostile), corpus))
