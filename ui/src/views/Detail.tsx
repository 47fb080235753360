// Use-case detail: UCR by quarter and month, spend vs forecast, SLOs and
// adoption against targets, and the rubric's explanation of each verdict.
import { useEffect, useMemo, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import type { AppError, UseCaseDetail } from "../bindings";
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

export function DetailView({ id, back }: { id: string; back: () => void }) {
  const [d, setD] = useState<UseCaseDetail | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    call(commands.useCaseDetail(id, null))
      .then(setD)
      .catch((e) => setError(errorOf(e)));
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

  if (error) return <ErrorBanner error={error} />;
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
            {u.flag ? ` · flag ${u.flag}` : ""}
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
                  <Light verdict={x.verdict} title={x.explanation} /> {x.dimension}
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
