// Plan & export: the next-90 plan (build from the approved scenario and
// decisions, approve as a whole) and the board pack export to a folder
// chosen with the native dialog, then "open folder".
import { useEffect, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import { runAction } from "../lib/action";
import type { AppError, ExportReport, Formats, GovernanceCheck, ScenarioMeta, StoredPlan } from "../bindings";
import { formatMoney, formatTimestamp } from "../lib/format";
import { ErrorBanner, Loading } from "./common";

export function PlanView({ onChanged }: { onChanged: () => void }) {
  const [plan, setPlan] = useState<StoredPlan | null | undefined>(undefined);
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dir, setDir] = useState("");
  const [formats, setFormats] = useState<Formats>({ md: true, csv: true, json: true, pdf: true });
  const [draft, setDraft] = useState(false);
  // The pre-read: a scenario's plan built in memory ("" = the stored plan).
  const [preRead, setPreRead] = useState("");
  const [scenarios, setScenarios] = useState<ScenarioMeta[]>([]);
  const [report, setReport] = useState<ExportReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [gaps, setGaps] = useState<GovernanceCheck | null>(null);
  const [acceptReason, setAcceptReason] = useState("");

  const load = () =>
    Promise.all([
      call(commands.plan()).then(setPlan),
      call(commands.scenarios()).then(setScenarios),
      // The governance panel: no approved scenario yet is not an error here.
      call(commands.governanceCheck(null))
        .then(setGaps)
        .catch(() => setGaps(null)),
    ]).catch((e) => setError(errorOf(e)));
  useEffect(() => {
    load();
  }, []);

  const act = (f: () => Promise<string>) =>
    runAction(f, { setError, setNotice }, async () => {
      await load();
      onChanged();
    });

  const runExport = async () => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await call(commands.exportPack(dir, formats, draft || preRead !== "", preRead === "" ? null : preRead)));
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  if (plan === undefined) return error ? <ErrorBanner error={error} /> : <Loading />;
  const pl = plan?.plan;
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Plan for the next 90 days</h1>
          <div className="muted">
            {plan ? (
              <>
                Plan {plan.id} · <strong data-testid="plan-status">{plan.status}</strong> · built {formatTimestamp(plan.built_at)} by {plan.built_by}
                {plan.approved_at ? ` · approved ${formatTimestamp(plan.approved_at)} by ${plan.approved_by}` : ""}
              </>
            ) : (
              "No plan yet: approve a scenario, approve decisions, then build the plan."
            )}
          </div>
        </div>
        <div className="row">
          <button onClick={() => act(async () => `Built plan ${(await call(commands.buildPlan())).id} (draft).`)} data-testid="build-plan">
            Build from approved scenario
          </button>
          <button
            className="primary"
            disabled={!plan || plan.status !== "draft" || (gaps !== null && !gaps.clean && acceptReason.trim() === "")}
            title={gaps && !gaps.clean ? "Close the governance gaps, or give the reason they are accepted" : undefined}
            onClick={() => act(async () => `Approved plan ${(await call(commands.approvePlan(gaps && !gaps.clean ? acceptReason.trim() : null))).id}.`)}
            data-testid="approve-plan"
          >
            {gaps && !gaps.clean ? "Approve with accepted gaps" : "Approve plan"}
          </button>
        </div>
      </div>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      {notice && <div className="notice" data-testid="notice">{notice}</div>}
      {gaps && (
        <div className={`card governance ${gaps.clean ? "clean" : "gaps"}`} data-testid="governance">
          <h3>
            Governance · scenario {gaps.scenario} · window {gaps.window_start} → {gaps.window_end}
          </h3>
          {gaps.clean ? (
            <p>Every path of the scenario has a decision in force that matches it. The plan can be approved.</p>
          ) : (
            <>
              <p>
                {gaps.gaps.length} gap{gaps.gaps.length === 1 ? "" : "s"} across {gaps.paths} paths. Close them in Decisions (draft from the scenario,
                fix budgets, add work-offs), or approve with the reason they are accepted; the reason and the gaps are recorded with the approval and shown
                in the board pack.
              </p>
              <ul className="gap-list" data-testid="gap-list">
                {gaps.gaps.map((g, i) => (
                  <li key={i}>
                    <span className="gap-kind">{g.kind.replace(/-|_/g, " ")}</span> <span title={g.message}>{g.label || g.message}</span>
                  </li>
                ))}
              </ul>
              {plan?.status === "draft" && (
                <label className="field">
                  Accept the gaps because…
                  <input className="grow" value={acceptReason} onChange={(e) => setAcceptReason(e.target.value)} placeholder="e.g. board meets before the decisions can be logged" data-testid="accept-gaps" />
                </label>
              )}
            </>
          )}
        </div>
      )}
      {pl && (
        <>
          <div className="totals four">
            <div className="total big">
              <div className="muted small">Next capital call</div>
              <div className="total-value" data-testid="plan-capital-call">
                ${formatMoney(pl.totals.next_capital_call_usd)}
              </div>
            </div>
            <div className="total">
              <div className="muted small">Reallocated</div>
              <div className="total-value">${formatMoney(pl.totals.reallocated_usd)}</div>
            </div>
            <div className="total">
              <div className="muted small">Budget next quarter</div>
              <div className="total-value">${formatMoney(pl.totals.new_budget_usd)}</div>
            </div>
            <div className="total">
              <div className="muted small">Window</div>
              <div className="total-value small-value">
                {pl.quarter_start} → {pl.quarter_end}
              </div>
            </div>
          </div>
          <div className="charts">
            <div className="card">
              <h3>Outcomes</h3>
              <table className="grid compact">
                <tbody>
                  {pl.outcomes.map((o) => (
                    <tr key={o.use_case}>
                      <td>{o.name}</td>
                      <td className="small" title={o.targets.join("; ")}>
                        {(o.target_labels ?? o.targets).join("; ")}
                      </td>
                      <td className="num">${formatMoney(o.projected_value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="card">
              <h3>Milestones</h3>
              <table className="grid compact">
                <tbody>
                  {pl.milestones.map((m) => (
                    <tr key={m.name + m.date}>
                      <td className="date">{m.date}</td>
                      <td title={m.name}>{m.label || m.name}</td>
                      <td className="muted">{m.owner}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="card">
              <h3>Risk work-offs</h3>
              <table className="grid compact">
                <tbody>
                  {pl.workoffs.map((w) => (
                    <tr key={w.use_case}>
                      <td>{w.name}</td>
                      <td className="small">{w.issues.join("; ")}</td>
                      <td className="date">{w.due}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="card">
              <h3>Waves and cadence</h3>
              <table className="grid compact">
                <tbody>
                  {pl.waves.map((w) => (
                    <tr key={w.wave}>
                      <td className="date">{w.wave}</td>
                      <td className="small">{w.use_cases.join(", ")}</td>
                      <td className="num">${formatMoney(w.new_budget_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <ul className="small">
                {pl.cadence.map((r) => (
                  <li key={r.name}>
                    {r.name}: {r.when}
                  </li>
                ))}
              </ul>
            </div>
          </div>
        </>
      )}
      <div className="card">
        <h3>Export the board pack</h3>
        <div className="row">
          <button onClick={() => call(commands.pickFolder()).then((d) => d && setDir(d)).catch((e) => setError(errorOf(e)))}>Choose folder…</button>
          <input className="grow" placeholder="or type a folder path" value={dir} onChange={(e) => setDir(e.target.value)} aria-label="Export folder" data-testid="export-dir" />
          {(["md", "csv", "json", "pdf"] as const).map((f) => (
            <label key={f} className="field inline">
              <input type="checkbox" checked={formats[f]} onChange={(e) => setFormats({ ...formats, [f]: e.target.checked })} /> {f}
            </label>
          ))}
          <label className="field inline">
            <input type="checkbox" checked={draft || preRead !== ""} disabled={preRead !== ""} onChange={(e) => setDraft(e.target.checked)} /> draft
          </label>
          <label className="field inline">
            From
            <select value={preRead} onChange={(e) => setPreRead(e.target.value)} data-testid="export-source" aria-label="Export from">
              <option value="">{plan ? `plan ${plan.id} (${plan.status})` : "the stored plan"}</option>
              {scenarios
                .filter((s) => s.status !== "superseded")
                .map((s) => (
                  <option key={s.name} value={s.name}>
                    pre-read: scenario {s.name} ({s.status})
                  </option>
                ))}
            </select>
          </label>
          <button className="primary" disabled={!dir || busy} onClick={runExport} data-testid="export">
            {busy ? "Exporting…" : "Export"}
          </button>
        </div>
        {report && (
          <div className="notice" data-testid="export-report">
            Wrote {report.files.length} files{report.draft ? " (DRAFT)" : ""} to {report.dir}: {report.files.join(", ")}{" "}
            <button onClick={() => call(commands.openFolder(report.dir)).catch((e) => setError(errorOf(e)))}>Open folder</button>
          </div>
        )}
      </div>
    </div>
  );
}
