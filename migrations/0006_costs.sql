-- Real cost data (FORMATS.md, "Real cost data: FOCUS exports and usage
-- metrics"). Imported costs are kept aggregated at a granularity that lets a
-- mapping change re-allocate history without importing again: per billing
-- account and billing period (the unit a re-import replaces), UTC day, tag
-- set, service, charge category and billing currency. Money is the exact
-- decimal text of the sum (measured money), never REAL.

-- Distinct tag sets, as canonical JSON objects (keys sorted; '{}' for none).
CREATE TABLE cost_tag_sets (
    id             INTEGER PRIMARY KEY,
    tags           TEXT NOT NULL,
    allocated_tags TEXT NOT NULL,
    UNIQUE (tags, allocated_tags)
);

-- One row per imported (billing account, billing period): what a re-import
-- of that period replaces.
CREATE TABLE cost_periods (
    billing_account      TEXT NOT NULL,
    billing_period_start TEXT NOT NULL,
    billing_period_end   TEXT NOT NULL,
    cost_column          TEXT NOT NULL CHECK (cost_column IN ('EffectiveCost', 'BilledCost')),
    rows                 INTEGER NOT NULL CHECK (rows >= 0),
    total                TEXT NOT NULL,
    files                TEXT NOT NULL,
    imported_at          TEXT NOT NULL,
    imported_by          TEXT NOT NULL,
    PRIMARY KEY (billing_account, billing_period_start)
) WITHOUT ROWID;

-- The exact sum of the cost of the charges (or of the parts of charges that
-- span several days, split by time overlap) on one UTC day, converted to the
-- portfolio currency when --rates was given (`currency` is the billing
-- currency as written in the file).
CREATE TABLE cost_lines (
    billing_account      TEXT NOT NULL,
    billing_period_start TEXT NOT NULL,
    day                  TEXT NOT NULL,
    tag_set              INTEGER NOT NULL REFERENCES cost_tag_sets(id),
    service              TEXT NOT NULL,
    category             TEXT NOT NULL,
    currency             TEXT NOT NULL,
    cost                 TEXT NOT NULL,
    PRIMARY KEY (billing_account, billing_period_start, day, tag_set, service, category, currency)
) WITHOUT ROWID;

CREATE INDEX cost_lines_day ON cost_lines(day);

-- Mapping rules as versioned data: each change is a new version (audited);
-- versions never change. No version means the default (tag key
-- 'application', no explicit rules).
CREATE TABLE cost_mappings (
    version    INTEGER PRIMARY KEY,
    tag_key    TEXT NOT NULL CHECK (trim(tag_key) <> ''),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE cost_mapping_rules (
    version   INTEGER NOT NULL REFERENCES cost_mappings(version),
    position  INTEGER NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    use_case  TEXT NOT NULL,
    PRIMARY KEY (version, position)
) WITHOUT ROWID;

CREATE TRIGGER cost_mappings_frozen_update BEFORE UPDATE ON cost_mappings
BEGIN SELECT RAISE(ABORT, 'mapping versions are immutable; create a new version'); END;
CREATE TRIGGER cost_mappings_frozen_delete BEFORE DELETE ON cost_mappings
BEGIN SELECT RAISE(ABORT, 'mapping versions are immutable; create a new version'); END;
CREATE TRIGGER cost_mapping_rules_frozen_update BEFORE UPDATE ON cost_mapping_rules
BEGIN SELECT RAISE(ABORT, 'mapping versions are immutable; create a new version'); END;
CREATE TRIGGER cost_mapping_rules_frozen_delete BEFORE DELETE ON cost_mapping_rules
BEGIN SELECT RAISE(ABORT, 'mapping versions are immutable; create a new version'); END;

-- The observation weeks whose spend_usd is derived from imported costs
-- (recomputed on every cost import and mapping change). `created` is 1 when
-- the derivation created the observation row.
CREATE TABLE cost_spend_weeks (
    use_case    INTEGER NOT NULL REFERENCES use_cases(pk) ON DELETE CASCADE,
    week_start  TEXT NOT NULL,
    created     INTEGER NOT NULL DEFAULT 0 CHECK (created IN (0, 1)),
    PRIMARY KEY (use_case, week_start)
) WITHOUT ROWID;

-- The business metric named by `capcall import units` (optional column
-- `metric`), per observation period.
CREATE TABLE unit_metrics (
    use_case     INTEGER NOT NULL REFERENCES use_cases(pk) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    metric       TEXT NOT NULL,
    PRIMARY KEY (use_case, period_start)
) WITHOUT ROWID;
