#!/usr/bin/env python3
"""Generates a large portfolio in the FORMATS.md CSV formats, deterministically.

usage: gen_portfolio.py OUT_DIR [USE_CASES] [WEEKS]
Writes OUT_DIR/use_cases.csv and OUT_DIR/observations.csv
(default 10,000 use cases x 104 weekly rows = 1,040,000 observation rows).
"""
import datetime
import os
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
weeks = int(sys.argv[3]) if len(sys.argv) > 3 else 104
rng = random.Random(42)
os.makedirs(out, exist_ok=True)

with open(os.path.join(out, "use_cases.csv"), "w", newline="") as f:
    f.write("id,name,owner,wave,region,status,flag,budget_usd,levers\n")
    for i in range(n):
        levers = "prompt caching;batching" if i % 3 else ""
        f.write(f"uc-{i:05d},Use case {i},Owner {i % 40},Wave {1 + i % 4},{['EU', 'US', 'APAC'][i % 3]},"
                f"{['pilot', 'live', 'live', 'sunsetting'][i % 4]},flag_{i},{rng.randint(10_000, 900_000)}.00,{levers}\n")

start = datetime.date(2024, 1, 1)
dates = [(start + datetime.timedelta(days=7 * w)).isoformat() for w in range(weeks)]
header = ("use_case,period_start,spend_usd,forecast_usd,units,value_delta,value_target,value_hurdle,value_ci_low,"
          "value_ci_high,p95_latency_ms,p95_latency_slo_ms,availability_pct,availability_slo_pct,eval_status,"
          "grounded_score,privacy_incidents,dau,dau_target,task_success_pct\r\n")
evals = ["green"] * 8 + ["yellow", "red"]
with open(os.path.join(out, "observations.csv"), "w", newline="") as f:
    f.write(header)
    buf = []
    for i in range(n):
        uc = f"uc-{i:05d}"
        base = rng.randint(1_000, 50_000)
        ucr = rng.randint(20, 300)
        for w, d in enumerate(dates):
            # Spend and forecast in 1/10,000 USD: sub-cent like a cloud bill.
            spend = base * 10_000 + rng.randint(-500_000, 500_000)
            units = spend // 10 // ucr
            fc = spend + rng.randint(-2_000_000, 2_000_000)
            v = rng.randint(0, 300)
            buf.append(f"{uc},{d},{spend // 10_000}.{spend % 10_000:04d},{fc // 10_000}.{fc % 10_000:04d},{units},{v / 10},15,5,"
                       f"{(v - 40) / 10},{(v + 40) / 10},{rng.randint(400, 1300)},1200,{rng.randint(9900, 10000) / 100},"
                       f"99.5,{evals[rng.randint(0, 9)]},{rng.randint(30, 50) / 10},{1 if rng.random() < 0.002 else 0},"
                       f"{rng.randint(100, 3000)},2000,{rng.randint(400, 950) / 10}\r\n")
            if len(buf) >= 10_000:
                f.write("".join(buf))
                buf.clear()
    f.write("".join(buf))
