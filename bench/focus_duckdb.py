#!/usr/bin/env python3
"""DuckDB side of bench/focus.sh: reads the same FOCUS CSV and computes the
same per-use-case weekly sums (default tag key 'application', key case and
spaces ignored, AllocatedTags before Tags, value slugified, must be a use
case; charges split over ISO weeks by time overlap), written as CSV
use_case,week,cost to OUT.

usage: focus_duckdb.py FOCUS_CSV USE_CASES_CSV OUT_CSV"""
import sys

import duckdb

focus, use_cases, out = sys.argv[1:4]
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute(f"""
COPY (
WITH uc AS (SELECT id FROM read_csv('{use_cases}', header = true, all_varchar = true)),
f AS (
  SELECT CAST(EffectiveCost AS DECIMAL(38, 16)) AS cost,
         CAST(ChargePeriodStart AS TIMESTAMP) AS s,
         CAST(ChargePeriodEnd AS TIMESTAMP) AS e,
         NULLIF(NULLIF(Tags, 'NULL'), '') AS tags,
         NULLIF(NULLIF(AllocatedTags, 'NULL'), '') AS alloc
  FROM read_csv('{focus}', header = true, all_varchar = true)
),
v AS (
  SELECT cost, s, e,
    coalesce(
      list_filter(map_entries(CAST(alloc::JSON AS MAP(VARCHAR, VARCHAR))), lambda x: lower(trim(x.key)) = 'application')[1].value,
      list_filter(map_entries(CAST(tags::JSON AS MAP(VARCHAR, VARCHAR))), lambda x: lower(trim(x.key)) = 'application')[1].value
    ) AS app
  FROM f
),
m AS (
  SELECT cost, s, e, trim(regexp_replace(lower(app), '[^a-z0-9]+', '-', 'g'), '-') AS slug FROM v
),
w AS (
  SELECT m.slug, m.cost, m.s, m.e, unnest(generate_series(date_trunc('week', m.s), date_trunc('week', m.e - INTERVAL 1 SECOND), INTERVAL 7 DAY)) AS wk
  FROM m JOIN uc ON uc.id = m.slug
)
SELECT slug AS use_case, CAST(CAST(wk AS DATE) AS VARCHAR) AS week,
       sum(CASE WHEN e = s THEN cost ELSE cost * epoch(least(e, wk + INTERVAL 7 DAY) - greatest(s, wk)) / epoch(e - s) END) AS cost
FROM w GROUP BY ALL ORDER BY ALL
) TO '{out}' (HEADER, DELIMITER ',')
""")
