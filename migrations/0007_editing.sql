-- Editing in place (issue 18). Numbered 0007: 0006 is reserved for a
-- migration developed alongside.
--
-- `use_cases.sunset_date`: the date from which a retired use case's budget
-- is freed, recorded by `usecase retire` (ISO `YYYY-MM-DD`; NULL otherwise).
-- The audit trail's use-case snapshot carries it only when it is set, so
-- every snapshot recorded before this migration still matches its record.
--
-- `audit.reason`: why a change was made, as the user typed it (edits,
-- corrections, undo and redo); NULL for changes that carry none (imports).
-- It is part of the row's hash when present, so the chain protects it, and
-- rows without one hash exactly as before.

ALTER TABLE use_cases ADD COLUMN sunset_date TEXT;
ALTER TABLE audit ADD COLUMN reason TEXT;
