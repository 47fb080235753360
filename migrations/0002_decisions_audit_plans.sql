-- Decision log, hash-chained audit trail, next-90 plans.

CREATE TABLE decisions (
    id            TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL,
    title         TEXT NOT NULL,
    path          TEXT NOT NULL CHECK (path IN ('Expand', 'Hold', 'Retire')),
    use_case      TEXT,
    scenario      TEXT,
    owner         TEXT NOT NULL,
    budget_cents  INTEGER,
    evidence      TEXT NOT NULL DEFAULT '[]',
    guardrails    TEXT NOT NULL DEFAULT '[]',
    milestones    TEXT NOT NULL DEFAULT '[]',
    status        TEXT NOT NULL CHECK (status IN ('Draft', 'Proposed', 'Approved', 'Rejected', 'Superseded')),
    readout_date  TEXT NOT NULL,
    logged_at     TEXT NOT NULL,
    workoff_due   TEXT,
    superseded_by TEXT REFERENCES decisions(id)
);

-- An approved decision is never edited in place: only its status may move
-- on (to Superseded, with the superseding id).
CREATE TRIGGER decisions_approved_frozen BEFORE UPDATE OF title, path, use_case, scenario, owner, budget_cents,
    evidence, guardrails, milestones, readout_date, logged_at, workoff_due ON decisions
WHEN OLD.status IN ('Approved', 'Superseded', 'Rejected')
BEGIN SELECT RAISE(ABORT, 'decision is closed; log a superseding decision instead'); END;

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    who       TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TABLE plans (
    id         INTEGER PRIMARY KEY,
    built_at   TEXT NOT NULL,
    built_by   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
    scenario   TEXT NOT NULL,
    content    TEXT NOT NULL,
    approved_at TEXT,
    approved_by TEXT
);
CREATE UNIQUE INDEX plans_one_approved ON plans(status) WHERE status = 'approved';
CREATE TRIGGER plans_frozen BEFORE UPDATE OF content, scenario ON plans
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'an approved plan is frozen; build a new one'); END;
