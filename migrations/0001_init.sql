-- Capcall portfolio schema, version 1.
-- Money is INTEGER cents (exact, never REAL); other decimals are TEXT in
-- their exact decimal form; dates are ISO TEXT (sorts chronologically).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE use_cases (
    pk           INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    name         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    wave         TEXT NOT NULL,
    region       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pilot', 'live', 'sunsetting', 'retired')),
    flag         TEXT,
    budget_cents INTEGER NOT NULL
);

CREATE TABLE use_case_levers (
    use_case INTEGER NOT NULL REFERENCES use_cases(pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    lever    TEXT NOT NULL,
    PRIMARY KEY (use_case, position)
) WITHOUT ROWID;

CREATE TABLE observations (
    use_case             INTEGER NOT NULL REFERENCES use_cases(pk) ON DELETE CASCADE,
    period_start         TEXT NOT NULL,
    spend_cents          INTEGER,
    forecast_cents       INTEGER,
    units                INTEGER CHECK (units >= 0),
    value_delta          TEXT,
    value_target         TEXT,
    value_hurdle         TEXT,
    value_ci_low         TEXT,
    value_ci_high        TEXT,
    p95_latency_ms       TEXT,
    p95_latency_slo_ms   TEXT,
    availability_pct     TEXT,
    availability_slo_pct TEXT,
    eval_status          TEXT CHECK (eval_status IN ('green', 'yellow', 'red')),
    grounded_score       TEXT,
    privacy_incidents    INTEGER CHECK (privacy_incidents >= 0),
    dau                  TEXT,
    dau_target           TEXT,
    task_success_pct     TEXT,
    remediation_plan     TEXT,
    remediation_due      TEXT,
    PRIMARY KEY (use_case, period_start)
) WITHOUT ROWID;

-- Rubrics are data: a version's settings never change once written.
CREATE TABLE rubric_versions (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE rubric_settings (
    version INTEGER NOT NULL REFERENCES rubric_versions(version),
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (version, key)
) WITHOUT ROWID;

CREATE TRIGGER rubric_settings_frozen_update BEFORE UPDATE ON rubric_settings
BEGIN SELECT RAISE(ABORT, 'rubric versions are immutable; create a new version'); END;
CREATE TRIGGER rubric_settings_frozen_delete BEFORE DELETE ON rubric_settings
BEGIN SELECT RAISE(ABORT, 'rubric versions are immutable; create a new version'); END;

-- Scenarios capture their inputs (and the budgets and UCRs they started from)
-- so a saved scenario recomputes the same result whatever is imported later.
CREATE TABLE scenarios (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    as_of          TEXT NOT NULL,
    rubric_version INTEGER NOT NULL REFERENCES rubric_versions(version),
    quarter_start  TEXT NOT NULL,
    policy         TEXT NOT NULL DEFAULT 'highest-return' CHECK (policy IN ('pro-rata', 'highest-return')),
    envelope_cents INTEGER NOT NULL DEFAULT 0 CHECK (envelope_cents >= 0),
    reserve_pct    TEXT NOT NULL DEFAULT '0',
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'superseded')),
    approved_at    TEXT,
    approved_by    TEXT,
    cloned_from    INTEGER REFERENCES scenarios(id)
);

CREATE UNIQUE INDEX scenarios_one_approved ON scenarios(status) WHERE status = 'approved';

CREATE TABLE scenario_lines (
    scenario           INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    use_case           TEXT NOT NULL,
    name               TEXT NOT NULL,
    old_budget_cents   INTEGER NOT NULL,
    ucr                TEXT,
    verdict            TEXT CHECK (verdict IN ('Expand', 'Hold', 'Retire')),
    path_override      TEXT CHECK (path_override IN ('Expand', 'Hold', 'Retire')),
    reason             TEXT,
    ask_cents          INTEGER,
    return_per_usd     TEXT,
    floor_cents        INTEGER,
    cap_cents          INTEGER,
    decommission_cents INTEGER,
    sunset_date        TEXT,
    PRIMARY KEY (scenario, use_case)
) WITHOUT ROWID;

-- Approved scenarios are frozen: changes need a new scenario.
CREATE TRIGGER scenario_lines_frozen_update BEFORE UPDATE ON scenario_lines
WHEN (SELECT status FROM scenarios WHERE id = OLD.scenario) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;
CREATE TRIGGER scenario_lines_frozen_insert BEFORE INSERT ON scenario_lines
WHEN (SELECT status FROM scenarios WHERE id = NEW.scenario) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;
CREATE TRIGGER scenario_lines_frozen_delete BEFORE DELETE ON scenario_lines
WHEN (SELECT status FROM scenarios WHERE id = OLD.scenario) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;
CREATE TRIGGER scenarios_frozen_update BEFORE UPDATE OF policy, envelope_cents, reserve_pct, quarter_start, as_of, rubric_version, name ON scenarios
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;
