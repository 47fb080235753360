-- Approved records stay approved: the workflow only moves forward, and what
-- was approved cannot be deleted. These triggers stop every path through
-- SQL that Capcall itself never takes (and a careless edit in a SQL shell);
-- someone who can rewrite the file can drop them, which the audit trail's
-- external digest and `audit verify`'s record replay then reveal.

CREATE TRIGGER decisions_status_forward BEFORE UPDATE OF status ON decisions
WHEN (OLD.status = 'Approved' AND NEW.status NOT IN ('Approved', 'Superseded'))
  OR (OLD.status IN ('Rejected', 'Superseded') AND NEW.status <> OLD.status)
BEGIN SELECT RAISE(ABORT, 'decision status only moves forward: an approved decision can only be superseded'); END;

CREATE TRIGGER decisions_superseded_by_frozen BEFORE UPDATE OF superseded_by ON decisions
WHEN OLD.superseded_by IS NOT NULL AND NEW.superseded_by IS NOT OLD.superseded_by
BEGIN SELECT RAISE(ABORT, 'a superseded decision keeps the id that superseded it'); END;

CREATE TRIGGER decisions_closed_undeletable BEFORE DELETE ON decisions
WHEN OLD.status <> 'Draft'
BEGIN SELECT RAISE(ABORT, 'only a draft decision can be deleted; reject or supersede it instead'); END;

CREATE TRIGGER scenarios_status_forward BEFORE UPDATE OF status ON scenarios
WHEN (OLD.status = 'approved' AND NEW.status NOT IN ('approved', 'superseded'))
  OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
BEGIN SELECT RAISE(ABORT, 'an approved scenario can only be superseded; clone it to change it'); END;

CREATE TRIGGER scenarios_approval_frozen BEFORE UPDATE OF approved_at, approved_by ON scenarios
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'who approved a scenario, and when, cannot change'); END;

CREATE TRIGGER plans_status_forward BEFORE UPDATE OF status ON plans
WHEN (OLD.status = 'approved' AND NEW.status NOT IN ('approved', 'superseded'))
  OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
BEGIN SELECT RAISE(ABORT, 'an approved plan can only be superseded; build a new one'); END;

CREATE TRIGGER plans_approval_frozen BEFORE UPDATE OF approved_at, approved_by ON plans
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'who approved a plan, and when, cannot change'); END;

CREATE TRIGGER plans_closed_undeletable BEFORE DELETE ON plans
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'an approved plan cannot be deleted'); END;

CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
