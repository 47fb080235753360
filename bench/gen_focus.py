#!/usr/bin/env python3
"""Generates a FOCUS 1.x cost export (CSV) for bench/focus.sh, and the
use_cases.csv it maps to.

usage: gen_focus.py OUT_DIR ROWS [USE_CASES]

Realistic spread: one billing account per 500k rows, one billing period
(January 2025); mostly hourly Usage rows, daily Tax and Credit rows, and
monthly Purchase rows that span several ISO weeks (split by time overlap);
costs with 6 to 16 decimals, some in E-notation, some negative; Tags as JSON
with the 'application' key written in several ways (case, spaces), values
that slugify to a use-case id; ~10% untagged, ~5% tagged with an unknown
application, ~3% with AllocatedTags.
"""
import os
import random
import sys

out, rows = sys.argv[1], int(sys.argv[2])
n_uc = int(sys.argv[3]) if len(sys.argv) > 3 else 200
os.makedirs(out, exist_ok=True)
rnd = random.Random(42)

with open(os.path.join(out, "use_cases.csv"), "w") as f:
    f.write("id,name,owner,wave,region,status,flag,budget_usd,levers\n")
    for i in range(n_uc):
        f.write(f"app-{i},App {i},Owner {i % 17},Wave {i % 4 + 1},EU,live,,100000,\n")

cols = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceCategory", "ServiceName",
    "RegionId", "ResourceId", "ResourceName", "SubAccountId", "PricingQuantity", "PricingUnit",
    "ConsumedQuantity", "ConsumedUnit", "SkuId", "Tags", "AllocatedTags",
]
services = ["Azure OpenAI", "Amazon Bedrock", "Vertex AI", "Amazon EC2", "Azure Blob Storage", "Anthropic API"]
keys = ["application", "Application", " application ", "APPLICATION"]


def money(rng, scale_max=16):
    scale = rng.randint(6, scale_max)
    v = rng.randint(0, 10 ** 3 * 10 ** scale) / 10 ** scale
    s = f"{v:.{scale}f}"
    if rng.random() < 0.02:
        s = f"{v:.6E}"
    return s


def q(s):
    return '"' + s.replace('"', '""') + '"'


with open(os.path.join(out, "focus.csv"), "w") as f:
    f.write(",".join(cols) + "\n")
    bp_start, bp_end = "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"
    for r in range(rows):
        acct = f"acct-{r // 500_000}"
        p = rnd.random()
        day = rnd.randint(1, 31)
        hour = rnd.randint(0, 23)
        if p < 0.90:
            cat, start = "Usage", f"2025-01-{day:02d}T{hour:02d}:00:00Z"
            end = f"2025-01-{day:02d}T{hour:02d}:59:59Z" if hour == 23 else f"2025-01-{day:02d}T{hour + 1:02d}:00:00Z"
            freq = "Usage-Based"
        elif p < 0.95:
            cat, start, freq = "Tax", f"2025-01-{day:02d}T00:00:00Z", "Recurring"
            end = f"2025-01-{day + 1:02d}T00:00:00Z" if day < 31 else "2025-02-01T00:00:00Z"
        elif p < 0.98:
            cat, start, freq = "Credit", f"2025-01-{day:02d}T00:00:00Z", "One-Time"
            end = f"2025-01-{day + 1:02d}T00:00:00Z" if day < 31 else "2025-02-01T00:00:00Z"
        elif p < 0.995:
            cat, start, end, freq = "Purchase", bp_start, bp_end, "Recurring"
        else:
            cat, start, end, freq = "Adjustment", f"2025-01-{day:02d}T06:30:00Z", "2025-01-20T00:00:00Z", "One-Time"
            if day >= 20:
                start = "2025-01-03T06:30:00Z"
        cost = money(rnd)
        if cat == "Credit":
            cost = "-" + cost
        uc = rnd.randrange(n_uc)
        t = rnd.random()
        if t < 0.10:
            tags = "NULL" if t < 0.03 else ""
        elif t < 0.15:
            tags = q('{"%s": "Unknown App %d", "env": "prod"}' % (rnd.choice(keys), uc))
        else:
            tags = q('{"%s": "App %d", "env": "%s", "team": "t%d"}' % (rnd.choice(keys), uc, rnd.choice(["prod", "dev"]), uc % 13))
        alloc = q('{"application": "app-%d"}' % ((uc + 1) % n_uc)) if rnd.random() < 0.03 else ""
        svc = services[uc % len(services)]
        row = [
            acct, "Example Corp", bp_start, bp_end, start, end, cat, "", q(f"{svc} {cat.lower()} charge"), freq,
            cost, cost, cost, cost, "USD", "ExampleCloud", "ExampleCloud", "ExampleCloud", "AI and Machine Learning",
            svc, "westeurope", f"/subscriptions/s{uc % 7}/resource/{uc}-{r % 50}", f"res-{uc}", f"sub-{uc % 7}",
            "1000", "1K Tokens", "1000", "Tokens", f"sku-{uc % 31}", tags, alloc,
        ]
        f.write(",".join(row) + "\n")
