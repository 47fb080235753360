-- The governance loop (issue 15): sunset dates, rejection reasons, gaps
-- accepted at a plan's approval, and where an opened scenario file came from.
-- Numbered 0008: 0006 and 0007 belong to migrations developed alongside.

-- `use_cases.sunset_date` (when a sunsetting or retired use case's budget
-- stops) was added by 0007; this migration uses it.

-- Why a decision was rejected (set with the rejection, never after).
ALTER TABLE decisions ADD COLUMN rejection_reason TEXT;
CREATE TRIGGER decisions_rejection_reason_frozen BEFORE UPDATE OF rejection_reason ON decisions
WHEN OLD.status NOT IN ('Draft', 'Proposed')
BEGIN SELECT RAISE(ABORT, 'a rejection reason is recorded with the rejection and cannot change'); END;

-- JSON {reason, accepted_by, accepted_at, gaps}: the governance gaps accepted
-- when the plan was approved; frozen with the approval.
ALTER TABLE plans ADD COLUMN accepted_gaps TEXT;
CREATE TRIGGER plans_accepted_gaps_frozen BEFORE UPDATE OF accepted_gaps ON plans
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'the gaps accepted with an approved plan cannot change'); END;

-- JSON {name, author, exported_at, schema_version, file}: the scenario file
-- a scenario was opened from (NULL for scenarios made here).
ALTER TABLE scenarios ADD COLUMN opened_from TEXT;
