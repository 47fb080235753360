// Use-case detail: UCR by quarter and month, spend vs forecast, SLOs and
// adoption against targets, and the rubric's explanation of each verdict.
import { useEffect, useMemo, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, Edit as StoreEdit, UseCaseDetail } from "../bindings";
import { sharedUndo } from "../lib/undo";
import { Chart, type ChartOption } from "../lib/Chart";
import { formatMoney, formatPct, formatUcr } from "../lib/format";
import { Badge, ErrorBanner, Light, Loading } from "./common";

const num = (s: string | null) => (s === null ? null : Number(s));

function lineOption(dates: string[], series: { name: string; data: (number | null)[]; dashed?: boolean }[], yName: string): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: dates },
    // Honest axes: amounts, UCR, latency and users start at zero; only
    // availability (which lives near 100%) zooms, and says so in its name.
    yAxis: yName === "%" ? { type: "value", name: "% (zoomed)", scale: true } : { type: "value", name: yName, min: 0 },
    series: series.map((s) => ({ type: "line", name: s.name, data: s.data, symbol: "none", lineStyle: s.dashed ? { type: "dashed" } : undefined })),
  };
}

const USE_CASE_FIELDS = ["budget_usd", "name", "owner", "wave", "region", "status", "flag", "levers"] as const;
/** What a person reads for each column name (the value sent stays the column name of the CSV contract). */
const FIELD_LABEL: Record<string, string> = {
  budget_usd: "Budget (USD)",
  name: "Name",
  owner: "Owner",
  wave: "Wave",
  region: "Region",
  status: "Lifecycle status",
  flag: "Flag",
  levers: "Cost levers",
  spend_usd: "Spend (USD)",
  forecast_usd: "Forecast (USD)",
  units: "Units",
  value_delta: "KPI delta",
  p95_latency_ms: "p95 latency (ms)",
  availability_pct: "Availability (%)",
  eval_status: "Eval status",
  grounded_score: "Grounded score",
  privacy_incidents: "Privacy incidents",
  dau: "Daily active users",
  task_success_pct: "Task success (%)",
};
const fieldLabel = (f: string) => FIELD_LABEL[f] ?? f;
const OBSERVATION_FIELDS = ["spend_usd", "forecast_usd", "units", "value_delta", "p95_latency_ms", "availability_pct", "eval_status", "grounded_score", "privacy_incidents", "dau", "task_success_pct"] as const;

/** Editing in place: every change goes through the store (the importer's validation, audited with its reason) and onto the shared undo history. */
function EditPanel({ d, reload, setError }: { d: UseCaseDetail; reload: () => Promise<void>; setError: (e: AppError | null) => void }) {
  const u = d.use_case;
  const [field, setField] = useState<(typeof USE_CASE_FIELDS)[number]>("budget_usd");
  const [value, setValue] = useState(u.budget_usd);
  const [reason, setReason] = useState("");
  const [sunset, setSunset] = useState("");
  const [obsPeriod, setObsPeriod] = useState(d.observations[d.observations.length - 1]?.period_start ?? "");
  const [obsField, setObsField] = useState<(typeof OBSERVATION_FIELDS)[number]>("spend_usd");
  const [obsValue, setObsValue] = useState("");
  const [obsReason, setObsReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [, setTick] = useState(0);

  const current = (f: (typeof USE_CASE_FIELDS)[number]) => (f === "levers" ? u.levers.join("; ") : f === "flag" ? (u.flag ?? "") : String(u[f]));
  const unsaved = value !== current(field);
  const apply = async (label: string, run: () => Promise<StoreEdit>) => {
    setError(null);
    setNotice(null);
    try {
      const edit = await run();
      if (edit.changed) {
        sharedUndo.push({
          label,
          undo: async () => {
            await call(commands.undoEdit(edit));
            await reload();
          },
          redo: async () => {
            await call(commands.redoEdit(edit));
            await reload();
          },
        });
        setNotice(`${label}: saved and audited.`);
      } else setNotice("Nothing changed.");
      await reload();
    } catch (e) {
      setError(errorOf(e));
    }
    setTick((t) => t + 1);
  };
  const step = async (what: "undo" | "redo") => {
    setError(null);
    try {
      const label = what === "undo" ? await sharedUndo.undo() : await sharedUndo.redo();
      setNotice(label ? `${what === "undo" ? "Undone" : "Redone"}: ${label}` : null);
    } catch (e) {
      setError(errorOf(e));
    }
    setTick((t) => t + 1);
  };

  return (
    <div className="card" data-testid="edit-panel">
      <h3>Edit</h3>
      {notice && <div className="notice small" data-testid="edit-notice">{notice}</div>}
      <div className="row wrap">
        <select
          value={field}
          onChange={(e) => {
            const f = e.target.value as (typeof USE_CASE_FIELDS)[number];
            setField(f);
            setValue(current(f));
          }}
          aria-label="Field"
          data-testid="edit-field"
        >
          {USE_CASE_FIELDS.map((f) => (
            <option key={f} value={f}>
              {fieldLabel(f)}
            </option>
          ))}
        </select>
        <input className={unsaved ? "unsaved" : ""} value={value} onChange={(e) => setValue(e.target.value)} aria-label="New value" title={unsaved ? `Not saved yet; stored: ${current(field)}` : undefined} data-testid="edit-value" />
        {unsaved && (
          <span className="muted small unsaved-note" data-testid="edit-unsaved">
            not saved
          </span>
        )}
        <input className="grow" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (needed for a status change)" aria-label="Reason" data-testid="edit-reason" />
        <button className="primary" onClick={() => apply(`${u.name}: ${fieldLabel(field)} → ${value}`, () => call(commands.setUseCase(u.id, field, value, reason.trim() || null)))} data-testid="edit-save">
          Save
        </button>
      </div>
      {u.status !== "retired" && (
        <div className="row wrap">
          <span className="muted small">Retire from</span>
          <input className="date" value={sunset} onChange={(e) => setSunset(e.target.value)} placeholder="YYYY-MM-DD" aria-label="Sunset date" data-testid="retire-sunset" />
          <button disabled={!sunset.trim() || !reason.trim()} title="Give a sunset date and a reason" onClick={() => apply(`${u.name} retired from ${sunset}`, () => call(commands.retireUseCase(u.id, sunset.trim(), reason.trim())))} data-testid="retire">
            Retire…
          </button>
        </div>
      )}
      {d.observations.length > 0 && (
        <div className="row wrap">
          <span className="muted small">Correct</span>
          <select value={obsPeriod} onChange={(e) => setObsPeriod(e.target.value)} aria-label="Observation period" data-testid="correct-period">
            {[...d.observations].reverse().map((o) => (
              <option key={o.period_start} value={o.period_start}>
                {o.period_start}
              </option>
            ))}
          </select>
          <select value={obsField} onChange={(e) => setObsField(e.target.value as (typeof OBSERVATION_FIELDS)[number])} aria-label="Observation field" data-testid="correct-field">
            {OBSERVATION_FIELDS.map((f) => (
              <option key={f} value={f}>
                {fieldLabel(f)}
              </option>
            ))}
          </select>
          <input value={obsValue} onChange={(e) => setObsValue(e.target.value)} placeholder="new value (empty = unknown)" aria-label="Corrected value" data-testid="correct-value" />
          <input className="grow" value={obsReason} onChange={(e) => setObsReason(e.target.value)} placeholder="Reason for the correction" aria-label="Correction reason" data-testid="correct-reason" />
          <button disabled={!obsReason.trim()} onClick={() => apply(`${u.name}: ${fieldLabel(obsField)} of ${obsPeriod} corrected`, () => call(commands.correctObservation(u.id, obsPeriod, obsField, obsValue, obsReason.trim())))} data-testid="correct-save">
            Correct
          </button>
        </div>
      )}
      <div className="row wrap">
        <button
          className="ghost"
          onClick={() => apply(`${u.id} removed`, () => call(commands.removeUseCase(u.id, reason.trim() || null)))}
          title="Only when no approved scenario, decision or plan refers to it; otherwise retire it"
          data-testid="remove"
        >
          Delete use case…
        </button>
      </div>
      <div className="row">
        <button disabled={!sharedUndo.canUndo()} onClick={() => step("undo")} data-testid="undo">
          Undo{sharedUndo.peekUndo() ? `: ${sharedUndo.peekUndo()}` : ""}
        </button>
        <button disabled={!sharedUndo.canRedo()} onClick={() => step("redo")} data-testid="redo">
          Redo
        </button>
        <span className="muted small">{sharedUndo.depth} step{sharedUndo.depth === 1 ? "" : "s"} to undo (of 50)</span>
      </div>
    </div>
  );
}

export function DetailView({ id, back }: { id: string; back: () => void }) {
  const [d, setD] = useState<UseCaseDetail | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const reload = () =>
    call(commands.useCaseDetail(id, null))
      .then(setD)
      .catch((e) => setError(errorOf(e)));
  useEffect(() => {
    reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && back();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [back]);

  const charts = useMemo(() => {
    if (!d) return null;
    const o = d.observations;
    const dates = o.map((x) => x.period_start);
    const q = d.ucr_by_quarter;
    const quarter: ChartOption = {
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 64, right: 16, top: 24, bottom: 28 },
      xAxis: { type: "category", data: q.map((p) => p.period) },
      yAxis: { type: "value", name: "USD / unit", min: 0 },
      series: [{ type: "bar", name: "UCR", data: q.map((p) => num(p.ucr)), itemStyle: { color: "#0ea5e9" } }],
    };
    const m = d.ucr_by_month;
    return {
      quarter,
      month: lineOption(m.map((p) => p.period), [{ name: "UCR by month", data: m.map((p) => num(p.ucr)) }], "USD / unit"),
      spend: lineOption(dates, [
        { name: "Spend", data: o.map((x) => num(x.spend_usd)) }, // chart-position: pixels only
        { name: "Forecast", data: o.map((x) => num(x.forecast_usd)), dashed: true }, // chart-position: pixels only
      ], "USD"),
      latency: lineOption(dates, [
        { name: "p95 latency", data: o.map((x) => num(x.p95_latency_ms)) },
        { name: "SLO", data: o.map((x) => num(x.p95_latency_slo_ms)), dashed: true },
      ], "ms"),
      availability: lineOption(dates, [
        { name: "Availability", data: o.map((x) => num(x.availability_pct)) },
        { name: "SLO", data: o.map((x) => num(x.availability_slo_pct)), dashed: true },
      ], "%"),
      adoption: lineOption(dates, [
        { name: "DAU", data: o.map((x) => num(x.dau)) },
        { name: "Target", data: o.map((x) => num(x.dau_target)), dashed: true },
      ], "users"),
    };
  }, [d]);

  if (error && !d) return <ErrorBanner error={error} />;
  if (!d || !charts) return <Loading />;
  const u = d.use_case;
  const q = d.ucr_by_quarter;
  const c = d.ucr_change;
  return (
    <div data-testid="detail">
      <button className="ghost" onClick={back}>
        ← Portfolio
      </button>
      <div className="page-head">
        <div>
          <h1>
            {u.name} <Badge verdict={d.score.overall} />
          </h1>
          <div className="muted">
            {u.id} · owner {u.owner} · {u.wave} · {u.region} · {u.status}
            {u.flag ? ` · flagged: ${u.flag.replace(/_/g, " ")}` : ""}
          </div>
        </div>
        <div className="kpis">
          <div className="kpi">
            <div className="muted small">Budget / quarter</div>
            <div className="kpi-value">${formatMoney(u.budget_usd)}</div>
          </div>
          <div className="kpi" data-testid="ucr-kpi">
            <div className="muted small">UCR {c.quarter} (last complete quarter)</div>
            <div className="kpi-value">{formatUcr(c.ucr)}</div>
            <div className="muted small">
              {formatPct(c.change_pct)} vs {c.previous_quarter}
              {c.partial_quarter && (
                <>
                  {" · "}
                  {c.partial_quarter} so far (partial): {formatUcr(c.partial_ucr)}
                </>
              )}
            </div>
          </div>
        </div>
      </div>
      <div className="card">
        <h3>Rubric (as of {d.score.as_of}, v{d.score.rubric_version})</h3>
        <p>{d.score.overall_explanation}</p>
        <table className="grid compact">
          <tbody>
            {d.score.dimensions.map((x) => (
              <tr key={x.dimension}>
                <td className="dim">
                  <Light verdict={x.verdict} title={x.explanation} /> {x.label || x.dimension}
                </td>
                <td>
                  <Badge verdict={x.verdict} />
                </td>
                <td>
                  {x.explanation}
                  {x.flags.length > 0 && <span className="flag"> {x.flags.join(", ")}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="muted small">Cost levers: {u.levers.length ? u.levers.join(" · ") : "none recorded"}</div>
      </div>
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      <EditPanel d={d} reload={reload} setError={setError} />
      <div className="card" data-testid="incidents">
        <h3>Incidents</h3>
        {d.incidents.length === 0 ? (
          <p className="muted">No incidents recorded for this use case.</p>
        ) : (
          <table className="grid compact">
            <thead>
              <tr>
                <th>Id</th>
                <th>Severity</th>
                <th>Opened (UTC)</th>
                <th>Closed (UTC)</th>
                <th>Title</th>
                <th>RCA</th>
              </tr>
            </thead>
            <tbody>
              {[...d.incidents].reverse().map((i) => (
                <tr key={i.id} className={i.closed ? "" : "open-incident"}>
                  <td className="mono">{i.id}</td>
                  <td>
                    <span className={`sev sev-${i.severity}`}>{i.severity}</span>
                    {i.privacy && <span className="flag"> privacy</span>}
                  </td>
                  <td>{i.opened.replace("T", " ").replace("Z", "")}</td>
                  <td>{i.closed ? i.closed.replace("T", " ").replace("Z", "") : <strong>open</strong>}</td>
                  <td>{i.title}</td>
                  <td className="small">{i.rca ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="charts">
        <div className="card">
          <h3>UCR by quarter</h3>
          <Chart option={charts.quarter} label="UCR by quarter" />
        </div>
        <div className="card">
          <h3>UCR by month</h3>
          <Chart option={charts.month} label="UCR by month" />
        </div>
        <div className="card">
          <h3>Spend vs forecast</h3>
          <Chart option={charts.spend} label="Spend vs forecast" />
        </div>
        <div className="card">
          <h3>p95 latency vs SLO</h3>
          <Chart option={charts.latency} label="p95 latency vs SLO" />
        </div>
        <div className="card">
          <h3>Availability vs SLO</h3>
          <Chart option={charts.availability} label="Availability vs SLO" />
        </div>
        <div className="card">
          <h3>Adoption: DAU vs target</h3>
          <Chart option={charts.adoption} label="DAU vs target" />
        </div>
      </div>
      <div className="card">
        <h3>History by quarter</h3>
        <table className="grid compact">
          <thead>
            <tr>
              <th>Quarter</th>
              <th className="num">Spend (USD)</th>
              <th className="num">Units</th>
              <th className="num">UCR</th>
              <th className="num">Rows</th>
            </tr>
          </thead>
          <tbody>
            {q.map((p) => (
              <tr key={p.period}>
                <td>{p.period}</td>
                <td className="num" title={`exact: ${p.spend_usd}`}>{formatMoney(p.spend_usd)}</td>
                <td className="num">{Number(p.units).toLocaleString("en-US")}</td>
                <td className="num">{formatUcr(p.ucr)}</td>
                <td className="num">{p.rows_used}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
