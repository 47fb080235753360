//! The demo portfolio: first-run creation and the demo reset, in one
//! transaction (the data itself is `capcall_core::demo`).

use std::path::Path;

use capcall_core::money::Planned;
use rust_decimal::Decimal;

use crate::context::Context;
use crate::error::{Result, StoreError};
use crate::portfolio::{Access, Portfolio};
use crate::records::{insert_observations, upsert_incidents, upsert_use_case, use_case_snapshots};
use crate::scenarios::ParamChanges;

impl Portfolio {
    /// Opens the portfolio at `path`, creating it with the demo data when the
    /// file does not exist (first run).
    pub fn open_or_create_demo(path: &Path, access: Access, ctx: Context) -> Result<Portfolio> {
        if path.exists() {
            return Portfolio::open(path, access, ctx);
        }
        let mut p = Portfolio::create(path, ctx)?;
        p.load_demo()?;
        if access == Access::Read {
            p.release_lock();
        }
        Ok(p)
    }

    /// Replaces every use case, observation, incident and scenario with the
    /// demo portfolio; refuses when that would wipe approved work (see
    /// [`Portfolio::reset_to_demo`]).
    pub fn load_demo(&mut self) -> Result<()> {
        self.reset_to_demo(false)
    }

    /// The demo reset, in one transaction: clearing, the demo data, the demo
    /// scenario with its inputs and its run either all happen or none does.
    /// Without `force` it refuses (a conflict naming them) when the portfolio
    /// holds approved work: an approved scenario, decision or plan.
    pub fn reset_to_demo(&mut self, force: bool) -> Result<()> {
        self.require_writer()?;
        crate::db::begin_write(&self.conn)?;
        let result = self.reset_to_demo_in_tx(force);
        crate::db::end_write(&self.conn, result)
    }

    fn reset_to_demo_in_tx(&mut self, force: bool) -> Result<()> {
        if !force {
            let names = |sql: &str| -> Result<Vec<String>> {
                let mut stmt = self.conn.prepare(sql)?;
                let v = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                Ok(v)
            };
            let mut lost = vec![];
            for (what, sql) in [
                (
                    "approved scenario",
                    "SELECT name FROM scenarios WHERE status = 'approved' ORDER BY id",
                ),
                (
                    "approved decision",
                    "SELECT id FROM decisions WHERE status = 'Approved' ORDER BY readout_date, seq",
                ),
                (
                    "approved plan",
                    "SELECT CAST(id AS TEXT) FROM plans WHERE status = 'approved' ORDER BY id",
                ),
            ] {
                let found = names(sql)?;
                if !found.is_empty() {
                    let shown: Vec<String> = found.iter().map(|n| format!("'{n}'")).collect();
                    lost.push(format!(
                        "{what}{} {}",
                        if found.len() > 1 { "s" } else { "" },
                        shown.join(", ")
                    ));
                }
            }
            if !lost.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "the demo reset would wipe approved work: {}; nothing was changed (reset anyway with `capcall demo --force`)",
                    lost.join("; ")
                )));
            }
        }
        {
            let tx = crate::db::write_tx(&mut self.conn)?;
            crate::audit::append(
                &tx,
                &self.ctx,
                "portfolio",
                "demo",
                "reset to the demo portfolio",
                None,
                None,
            )?;
            // An approved scenario's lines are frozen by a trigger; a forced
            // reset (approved work was named and the user went ahead) lifts
            // it for this transaction only.
            tx.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS scenario_lines_frozen_delete; \
                 DELETE FROM scenarios; DELETE FROM incidents; DELETE FROM observations; \
                 DELETE FROM cost_lines; DELETE FROM cost_periods; DELETE FROM cost_tag_sets; \
                 DELETE FROM use_case_levers; DELETE FROM use_cases; {SCENARIO_LINES_FROZEN_DELETE}"
            ))?;
            for (uc, rows) in capcall_core::demo::portfolio() {
                let pk = upsert_use_case(&tx, &uc)?;
                insert_observations(&tx, pk, &rows)?;
            }
            let incidents = capcall_core::demo::incidents();
            upsert_incidents(&tx, &incidents)?;
            // Each record's state after the reset, so the trail can vouch for it.
            for (id, after) in use_case_snapshots(&tx)? {
                crate::audit::append(&tx, &self.ctx, "use_case", &id, "add (demo)", None, Some(&after))?;
            }
            for i in &incidents {
                let after = serde_json::to_string(i).unwrap_or_default();
                crate::audit::append(&tx, &self.ctx, "incident", &i.id, "add (demo)", None, Some(&after))?;
            }
            tx.commit()?;
        }
        self.scenario_new(capcall_core::demo::SCENARIO, None)?;
        let mut sc = self.scenario(capcall_core::demo::SCENARIO)?;
        for edit in capcall_core::demo::scenario_inputs() {
            if let Some(line) = sc.lines.iter_mut().find(|l| l.use_case == edit.use_case) {
                let keep = (line.name.clone(), line.old_budget_usd, line.ucr, line.verdict);
                *line = capcall_core::scenario::LineInput {
                    name: keep.0,
                    old_budget_usd: keep.1,
                    ucr: keep.2,
                    verdict: keep.3,
                    ..edit
                };
            }
        }
        for line in sc.lines {
            self.scenario_set_line(capcall_core::demo::SCENARIO, line)?;
        }
        self.scenario_save_params(
            capcall_core::demo::SCENARIO,
            &ParamChanges {
                envelope_usd: Some(Planned::from_dollars(100_000)),
                reserve_pct: Some(Decimal::from(5)),
                policy: None,
            },
        )?;
        Ok(())
    }
}

/// The trigger of `0001_init.sql` that freezes an approved scenario's lines,
/// recreated after a forced demo reset.
const SCENARIO_LINES_FROZEN_DELETE: &str =
    "CREATE TRIGGER scenario_lines_frozen_delete BEFORE DELETE ON scenario_lines \
    WHEN (SELECT status FROM scenarios WHERE id = OLD.scenario) <> 'draft' \
    BEGIN SELECT RAISE(ABORT, 'scenario is approved and frozen; clone it to change it'); END;";
