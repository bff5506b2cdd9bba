#!/usr/bin/env python3
"""Renders JMH's JSON results (-rf json) as the markdown table of benchmarks/README.md."""
import json
import sys

results = json.load(open(sys.argv[1]))
rows = {}
for r in results:
    name = r["benchmark"].rsplit(".", 1)[1]
    p = r["params"]
    score = r["primaryMetric"]["score"]
    error = r["primaryMetric"]["scoreError"]
    alloc = r["secondaryMetrics"].get("gc.alloc.rate.norm", {}).get("score")
    rows[(name, int(p["depth"]), p["variant"])] = (score, error, alloc)

variants = ["unwrapped", "micrometer", "off", "sampled", "always", "starter"]
print("| benchmark | stack depth | variant | ns/op | ± (99.9%) | × unwrapped | B/op | B/op over unwrapped |")
print("|---|---|---|---|---|---|---|---|")
depths = sorted({key[1] for key in rows})
for name in ["submitGet", "submitGetOnCaller", "submitCompletableJoin", "chainOfThree", "captureThrowable"]:
    for depth in depths:
        base = rows.get((name, depth, "unwrapped"))
        for variant in variants:
            row = rows.get((name, depth, variant))
            if row is None or base is None:
                continue
            score, error, alloc = row
            if name == "captureThrowable" and variant != "unwrapped":
                continue
            ratio = score / base[0]
            extra = (alloc - base[2]) if alloc is not None and base[2] is not None else float("nan")
            print(f"| {name} | {depth} | {variant} | {score:,.0f} | {error:,.0f} | {ratio:.2f} | {alloc:,.0f} | {extra:+,.0f} |")
