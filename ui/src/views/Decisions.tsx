// Decision log: the entries with their status workflow, the 24-hour rule,
// what approval still needs, guardrails checked against the latest
// observations, a form with live guardrail parsing, and the audit trail.
import { useEffect, useMemo, useState } from "react";
import { call, commands, errorOf } from "../lib/api";
import { runAction } from "../lib/action";
import type { AppError, AuditEntry, DecisionView, GuardrailState, Path, Verification } from "../bindings";
import { formatMoney, looksLikeAmount } from "../lib/format";
import { ErrorBanner, Loading, StateBadge } from "./common";

export function DecisionsView({ onChanged }: { onChanged: () => void }) {
  const [list, setList] = useState<DecisionView[] | null>(null);
  const [useCases, setUseCases] = useState<{ id: string; name: string }[]>([]);
  const [filter, setFilter] = useState<"all" | "late" | "incomplete">("all");
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [history, setHistory] = useState<AuditEntry[]>([]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [rejecting, setRejecting] = useState<{ id: string; reason: string } | null>(null);
  const [scenarios, setScenarios] = useState<string[]>([]);
  const [draftFrom, setDraftFrom] = useState("");

  const load = () =>
    call(commands.decisions())
      .then(setList)
      .catch((e) => setError(errorOf(e)));
  useEffect(() => {
    load();
    call(commands.useCaseChoices())
      .then(setUseCases)
      .catch(() => {});
    call(commands.scenarios())
      .then((list) => {
        setScenarios(list.map((x) => x.name));
        const preferred = list.find((x) => x.status === "approved") ?? list[0];
        if (preferred) setDraftFrom(preferred.name);
      })
      .catch(() => {});
  }, []);
  useEffect(() => {
    if (selected) call(commands.auditHistory("decision", selected)).then(setHistory).catch((e) => setError(errorOf(e)));
  }, [selected, list]);

  const shown = useMemo(
    () => (list ?? []).filter((v) => (filter === "late" ? !v.within_24h : filter === "incomplete" ? v.incomplete : true)),
    [list, filter],
  );

  const act = (f: () => Promise<string>) =>
    runAction(f, { setError, setNotice }, async () => {
      await load();
      onChanged();
    });

  if (!list) return error ? <ErrorBanner error={error} /> : <Loading />;
  const late = list.filter((v) => !v.within_24h).length;
  const incomplete = list.filter((v) => v.incomplete).length;
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Decisions</h1>
          <div className="muted">
            {list.length} logged · <span className={late ? "count retire" : ""}>{late} late (over 24 h after the readout)</span> · <span className={incomplete ? "count hold" : ""}>{incomplete} incomplete</span>
          </div>
        </div>
        <div className="row">
          <select value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)} aria-label="Show">
            <option value="all">All decisions</option>
            <option value="late">Late only</option>
            <option value="incomplete">Incomplete only</option>
          </select>
          {scenarios.length > 0 && (
            <>
              <select value={draftFrom} onChange={(e) => setDraftFrom(e.target.value)} aria-label="Scenario to draft decisions from">
                {scenarios.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
              <button
                onClick={() =>
                  act(async () => {
                    const r = await call(commands.draftDecisions(draftFrom, true));
                    return `Drafted ${r.created.length} decision${r.created.length === 1 ? "" : "s"} from ${r.scenario}; ${r.skipped.length} path${r.skipped.length === 1 ? " was" : "s were"} already covered.`;
                  })
                }
                data-testid="draft-from-scenario"
              >
                Draft decisions from scenario
              </button>
            </>
          )}
          <button onClick={() => call(commands.auditVerify()).then(setVerification).catch((e) => setError(errorOf(e)))} data-testid="audit-verify">
            Verify audit trail
          </button>
        </div>
      </div>
      {verification && (
        <div className={verification.ok ? "notice" : "error"} data-testid="audit-result">
          {verification.ok
            ? `Audit trail intact: ${verification.rows} rows, hash chain verified, stored records match it. Digest ${verification.digest.length}:${verification.digest.head.slice(0, 16)}…`
            : `Audit trail broken: ${verification.problem}`}
        </div>
      )}
      {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
      {notice && <div className="notice" data-testid="notice">{notice}</div>}
      <table className="grid decisions" data-testid="decisions">
        <thead>
          <tr>
            <th className="c-decision">Decision</th>
            <th>Status</th>
            <th className="c-owner">Owner</th>
            <th className="num">Budget (USD)</th>
            <th className="c-24h">24 h</th>
            <th>Guardrails</th>
            <th className="c-workflow">Workflow</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => {
            const d = v.decision;
            return (
              <tr key={d.id} data-id={d.id} className={selected === d.id ? "cursor" : ""} onClick={() => setSelected(d.id)}>
                <td>
                  <div className="mono">{d.id}</div>
                  <div>{d.title}</div>
                  {d.milestones.length > 0 && <div className="muted small">{d.milestones.map((m, k) => `${v.milestone_labels[k] ?? m.name} ${m.date}`).join(" · ")}</div>}
                </td>
                <td>
                  <StateBadge state={d.status} testid={`status-${d.id}`} />
                  {d.superseded_by && <div className="muted small">by {d.superseded_by}</div>}
                </td>
                <td className="c-owner">{d.owner || <span className="flag">missing</span>}</td>
                <td className="num">{d.budget_usd ? formatMoney(d.budget_usd) : <span className="flag">missing</span>}</td>
                <td className="c-24h">{v.within_24h ? <span className="count expand">on time</span> : <span className="count retire">late</span>}</td>
                <td className="small">
                  {v.guardrails.map((g) => (
                    <div key={g.guardrail} title={g.guardrail} className="guardrail">
                      <span className={`light ${guardrailLight(g.state)}`} /> {g.label} — {g.state}
                      {g.actual ? ` (${g.actual})` : ""}
                    </div>
                  ))}
                </td>
                <td className="c-workflow">
                  {v.incomplete && <div className="small flag" data-testid={`missing-${d.id}`}>Needs: {v.missing.join("; ")}</div>}
                  <div className="row">
                    {v.next.includes("Proposed") && (
                      <button onClick={() => act(async () => `${(await call(commands.moveDecision(d.id, "Proposed"))).id} proposed.`)} data-testid={`propose-${d.id}`}>
                        Propose
                      </button>
                    )}
                    {v.next.includes("Approved") && (
                      <button className="primary" onClick={() => act(async () => `${(await call(commands.moveDecision(d.id, "Approved"))).id} approved.`)} data-testid={`approve-${d.id}`}>
                        Approve
                      </button>
                    )}
                    {v.next.includes("Rejected") && rejecting?.id !== d.id && (
                      <button onClick={() => setRejecting({ id: d.id, reason: "" })} data-testid={`reject-${d.id}`}>
                        Reject…
                      </button>
                    )}
                    {v.next.includes("Rejected") && rejecting?.id === d.id && (
                      <span className="row reject-form">
                        <input
                          autoFocus
                          placeholder="Why is it rejected?"
                          value={rejecting.reason}
                          onChange={(e) => setRejecting({ id: d.id, reason: e.target.value })}
                          aria-label={`Reason to reject ${d.id}`}
                          data-testid={`reject-reason-${d.id}`}
                        />
                        <button
                          disabled={!rejecting.reason.trim()}
                          onClick={() =>
                            act(async () => {
                              const r = await call(commands.rejectDecision(d.id, rejecting.reason.trim()));
                              setRejecting(null);
                              return `${r.id} rejected: ${rejecting.reason.trim()}`;
                            })
                          }
                        >
                          Reject
                        </button>
                        <button className="ghost" onClick={() => setRejecting(null)}>
                          Cancel
                        </button>
                      </span>
                    )}
                    {v.next.includes("Superseded") && (
                      <select
                        value=""
                        aria-label={`Supersede ${d.id}`}
                        onChange={(e) => e.target.value && act(async () => `${(await call(commands.supersedeDecision(d.id, e.target.value))).id} superseded.`)}
                      >
                        <option value="">Supersede by…</option>
                        {list
                          .filter((x) => x.decision.id !== d.id && !["Rejected", "Superseded"].includes(x.decision.status))
                          .map((x) => (
                            <option key={x.decision.id} value={x.decision.id}>
                              {x.decision.id}
                            </option>
                          ))}
                      </select>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {selected && (
        <div className="card">
          <h3>Audit history of {selected}</h3>
          <table className="grid compact">
            <tbody>
              {history.map((h) => (
                <tr key={h.seq}>
                  <td className="mono">#{h.seq}</td>
                  <td>{h.at}</td>
                  <td>{h.who}</td>
                  <td>{h.action}</td>
                  <td className="mono small">{h.hash.slice(0, 12)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <DecisionForm useCases={useCases} workoffDays={list[0]?.workoff_days ?? null} onAdded={(id) => act(async () => `Logged ${id} as Draft.`)} onError={setError} />
    </div>
  );
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function DecisionForm({
  useCases,
  workoffDays,
  onAdded,
  onError,
}: {
  useCases: { id: string; name: string }[];
  workoffDays: number | null;
  onAdded: (id: string) => void;
  onError: (e: AppError) => void;
}) {
  const [path, setPath] = useState<Path>("Expand");
  const [useCase, setUseCase] = useState("");
  const [title, setTitle] = useState("");
  const [owner, setOwner] = useState("");
  const [budget, setBudget] = useState("");
  const [readout, setReadout] = useState(today());
  const [workoff, setWorkoff] = useState("");
  const [evidence, setEvidence] = useState("");
  const [guardrails, setGuardrails] = useState("");
  const [milestones, setMilestones] = useState("");
  const [guardErrors, setGuardErrors] = useState<string[]>([]);
  const lines = (t: string) => t.split("\n").map((x) => x.trim()).filter(Boolean);

  // Live parse of every guardrail line, by the same parser the log uses.
  useEffect(() => {
    let alive = true;
    Promise.all(
      lines(guardrails).map((g, i) =>
        commands.parseGuardrail(g).then((r) => (r.status === "error" ? `line ${i + 1}, column ${r.error.column}: ${r.error.message}` : null)),
      ),
    ).then((errs) => alive && setGuardErrors(errs.filter((e): e is string => e !== null)));
    return () => {
      alive = false;
    };
  }, [guardrails]);

  const submit = async () => {
    try {
      const d = await call(
        commands.addDecision({
          path,
          use_case: useCase || null,
          scenario: null,
          title: title.trim() || null,
          owner,
          budget_usd: budget.trim() || null,
          evidence: lines(evidence),
          guardrails: lines(guardrails),
          milestones: lines(milestones),
          readout_date: readout,
          workoff_due: workoff || null,
        }),
      );
      setTitle("");
      setBudget("");
      setEvidence("");
      setGuardrails("");
      setMilestones("");
      onAdded(d.id);
    } catch (e) {
      onError(errorOf(e));
    }
  };

  const budgetBad = budget.trim() !== "" && !looksLikeAmount(budget);
  return (
    <div className="card form" data-testid="decision-form">
      <h3>Log a decision</h3>
      <div className="form-grid">
        <label>
          Path
          <select value={path} onChange={(e) => setPath(e.target.value as Path)} data-testid="form-path">
            <option value="Expand">Expand</option>
            <option value="Hold">Hold</option>
            <option value="Retire">Retire</option>
          </select>
        </label>
        <label>
          Use case
          <select value={useCase} onChange={(e) => setUseCase(e.target.value)} data-testid="form-use-case">
            <option value="">—</option>
            {useCases.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Title (default from path and use case)
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="EXPAND — Ops Copilot Wave 3 (EU)" />
        </label>
        <label>
          Owner
          <input value={owner} onChange={(e) => setOwner(e.target.value)} data-testid="form-owner" />
        </label>
        <label>
          Budget (USD)
          <input className={budgetBad ? "invalid" : ""} value={budget} onChange={(e) => setBudget(e.target.value)} data-testid="form-budget" />
        </label>
        <label>
          Readout date
          <input className="date" value={readout} placeholder="YYYY-MM-DD" onChange={(e) => setReadout(e.target.value)} data-testid="form-readout" />
        </label>
        {path === "Hold" && (
          <label>
            Work-off due (within {workoffDays ?? "the rubric's"} days)
            <input className="date" value={workoff} placeholder="YYYY-MM-DD" onChange={(e) => setWorkoff(e.target.value)} />
          </label>
        )}
      </div>
      <div className="form-grid three">
        <label>
          Evidence (one link or path per line)
          <textarea rows={3} value={evidence} onChange={(e) => setEvidence(e.target.value)} data-testid="form-evidence" />
        </label>
        <label>
          Guardrails (metric op number[/scale], one per line)
          <textarea rows={3} className={guardErrors.length ? "invalid" : ""} value={guardrails} onChange={(e) => setGuardrails(e.target.value)} data-testid="form-guardrails" />
          {guardErrors.map((g) => (
            <span key={g} className="field-error" data-testid="guardrail-error">
              {g}
            </span>
          ))}
        </label>
        <label>
          Milestones (name=YYYY-MM-DD, one per line)
          <textarea rows={3} value={milestones} onChange={(e) => setMilestones(e.target.value)} data-testid="form-milestones" />
        </label>
      </div>
      <button className="primary" onClick={submit} disabled={guardErrors.length > 0 || budgetBad} data-testid="form-submit">
        Log as Draft
      </button>
    </div>
  );
}

/** The light a guardrail's state shows; every state named (a new one fails to compile). */
function guardrailLight(state: GuardrailState): "expand" | "retire" | "opaque" {
  switch (state) {
    case "met":
      return "expand";
    case "breached":
      return "retire";
    case "no data":
      return "opaque";
    default: {
      const unknown: never = state;
      return unknown;
    }
  }
}
