-- Incidents (incidents.csv), keyed by the id in the team's tracker.
-- Times are UTC text `YYYY-MM-DDTHH:MM:SSZ` (fixed width: sorts chronologically).
-- Numbered 0004: 0003 is reserved for a migration developed alongside.

CREATE TABLE incidents (
    id       TEXT PRIMARY KEY CHECK (id <> ''),
    use_case INTEGER NOT NULL REFERENCES use_cases(pk) ON DELETE CASCADE,
    severity TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
    opened   TEXT NOT NULL,
    closed   TEXT CHECK (closed IS NULL OR closed >= opened),
    title    TEXT NOT NULL,
    privacy  INTEGER NOT NULL DEFAULT 0 CHECK (privacy IN (0, 1)),
    rca      TEXT
) WITHOUT ROWID;

CREATE INDEX incidents_by_use_case ON incidents(use_case, opened);
