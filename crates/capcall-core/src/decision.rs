//! The decision log: decisions in the seed's entry format, their guardrails
//! (parsed `metric op number[/scale]` expressions), the approval workflow
//! and the completeness and 24-hour rules. Pure: the store persists them.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Planned;
use crate::rubric::Path;

/// Workflow state: Draft -> Proposed -> Approved | Rejected; Approved -> Superseded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Status {
    Draft,
    Proposed,
    Approved,
    Rejected,
    Superseded,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Proposed,
        Status::Approved,
        Status::Rejected,
        Status::Superseded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Proposed => "Proposed",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::Superseded => "Superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
    }
    /// Where the workflow can go from here, in order (what the app offers as
    /// buttons; rejecting needs a reason, superseding a newer approved entry).
    pub fn next(self) -> Vec<Status> {
        Status::ALL.into_iter().filter(|to| self.can_move_to(*to)).collect()
    }
    /// Is `self -> to` an allowed move?
    pub fn can_move_to(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Draft, Status::Proposed)
                | (Status::Proposed, Status::Approved)
                | (Status::Proposed, Status::Rejected)
                | (Status::Draft, Status::Rejected)
                | (Status::Approved, Status::Superseded)
        )
    }
}

/// A comparison operator of a guardrail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Eq => "==",
        }
    }
    pub fn holds(self, actual: Decimal, limit: Decimal) -> bool {
        match self {
            Op::Le => actual <= limit,
            Op::Lt => actual < limit,
            Op::Ge => actual >= limit,
            Op::Gt => actual > limit,
            Op::Eq => actual == limit,
        }
    }
}

/// Metrics a guardrail may name, and where each comes from.
pub const METRICS: &[(&str, &str)] = &[
    ("p95_latency_ms", "latest p95 latency"),
    ("availability_pct", "latest availability"),
    ("grounded_score", "latest grounded score (0-5)"),
    ("unit_cost_usd", "latest UCR (spend / units of the latest row)"),
    ("task_success_pct", "latest task success"),
    ("dau", "latest daily active users"),
    ("privacy_incidents", "privacy incidents in the latest row"),
    ("value_delta", "latest KPI delta"),
];

/// `metric op number[/scale]`, e.g. `grounded_score >= 4.3/5`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Guardrail {
    pub metric: String,
    pub op: Op,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub value: Decimal,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub scale: Option<Decimal>,
}

/// A guardrail that does not parse: the 1-based column of the fault and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[error("column {column}: {message}")]
pub struct GuardrailError {
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for Guardrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op.as_str(), self.value)?;
        if let Some(s) = self.scale {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

/// How a person reads a metric in a guardrail: its name, and what comes
/// before and after the limit ("p95 latency", "", " ms").
pub fn metric_label(metric: &str) -> (&str, &'static str, &'static str) {
    match metric {
        "p95_latency_ms" => ("p95 latency", "", " ms"),
        "availability_pct" => ("Availability", "", "%"),
        "grounded_score" => ("Grounded score", "", ""),
        "unit_cost_usd" => ("Unit cost", "$", " per unit"),
        "task_success_pct" => ("Task success", "", "%"),
        "dau" => ("Daily active users", "", ""),
        "privacy_incidents" => ("Privacy incidents", "", ""),
        "value_delta" => ("KPI delta", "", ""),
        other => (other, "", ""),
    }
}

/// A guardrail's text (`p95_latency_ms <= 1200`) as a person reads it
/// ("p95 latency ≤ 1,200 ms"); text that is not a guardrail (a plan's
/// generic target) comes back as it is.
pub fn guardrail_label(text: &str) -> String {
    Guardrail::parse(text).map_or_else(|_| text.to_string(), |g| g.label())
}

impl Guardrail {
    /// The guardrail in words: "p95 latency ≤ 1,200 ms", "Grounded score
    /// ≥ 4.3/5", "Availability ≥ 99.5%". The limit exactly as written,
    /// grouped ([`crate::format::grouped_exact`]). `Display` keeps the
    /// parseable form (`p95_latency_ms <= 1200`) that JSON and files carry.
    pub fn label(&self) -> String {
        let (name, before, after) = metric_label(&self.metric);
        let op = match self.op {
            Op::Le => "≤",
            Op::Lt => "<",
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Eq => "=",
        };
        let scale = self
            .scale
            .map(|s| format!("/{}", crate::format::grouped_exact(s)))
            .unwrap_or_default();
        format!(
            "{name} {op} {before}{}{scale}{after}",
            crate::format::grouped_exact(self.value)
        )
    }

    pub fn parse(text: &str) -> Result<Guardrail, GuardrailError> {
        let err = |column: usize, message: String| GuardrailError {
            column: column as u32 + 1,
            message,
        };
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        let metric = &text[start..i];
        if metric.is_empty() {
            return Err(err(start, "expected a metric name (e.g. p95_latency_ms)".into()));
        }
        if !METRICS.iter().any(|m| m.0 == metric) {
            let known: Vec<&str> = METRICS.iter().map(|m| m.0).collect();
            return Err(err(
                start,
                format!("unknown metric '{metric}' (known: {})", known.join(", ")),
            ));
        }
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let op_at = i;
        let rest = &text[i..];
        let (op, len) = if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with("==") {
            (Op::Eq, 2)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else {
            return Err(err(op_at, "expected an operator: <=, <, >=, >, ==".into()));
        };
        i += len;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let num_at = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'-') {
            i += 1;
        }
        let value =
            crate::money::parse_decimal(&text[num_at..i]).map_err(|_| err(num_at, "expected a number".into()))?;
        let mut scale = None;
        if i < b.len() && b[i] == b'/' {
            i += 1;
            let s_at = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let s = crate::money::parse_decimal(&text[s_at..i])
                .map_err(|_| err(s_at, "expected a scale after '/' (e.g. /5)".into()))?;
            if s <= Decimal::ZERO {
                return Err(err(s_at, "the scale must be > 0".into()));
            }
            if value > s {
                return Err(err(num_at, format!("{value} is above its scale {s}")));
            }
            scale = Some(s);
        }
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i < b.len() {
            return Err(err(i, format!("unexpected '{}'", &text[i..])));
        }
        Ok(Guardrail {
            metric: metric.to_string(),
            op,
            value,
            scale,
        })
    }
}

/// Where a guardrail stands against the latest observation with its metric.
/// Crosses JSON (CLI `--json`, IPC) as the words "met", "breached", "no data".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum GuardrailState {
    #[serde(rename = "met")]
    Met,
    #[serde(rename = "breached")]
    Breached,
    #[serde(rename = "no data")]
    NoData,
}

impl GuardrailState {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardrailState::Met => "met",
            GuardrailState::Breached => "breached",
            GuardrailState::NoData => "no data",
        }
    }
}

impl std::fmt::Display for GuardrailState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A guardrail checked against the latest observations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GuardrailCheck {
    pub guardrail: String,
    /// The guardrail in words ([`Guardrail::label`]).
    pub label: String,
    pub state: GuardrailState,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub actual: Option<Decimal>,
    pub as_of: Option<NaiveDate>,
}

/// Checks a guardrail against a use case's observations (latest row with the metric).
pub fn check(g: &Guardrail, rows: &[crate::model::Observation]) -> GuardrailCheck {
    let value = |o: &crate::model::Observation| -> Option<Decimal> {
        match g.metric.as_str() {
            "p95_latency_ms" => o.p95_latency_ms,
            "availability_pct" => o.availability_pct,
            "grounded_score" => o.grounded_score,
            "task_success_pct" => o.task_success_pct,
            "dau" => o.dau,
            "value_delta" => o.value_delta,
            "privacy_incidents" => o.privacy_incidents.map(Decimal::from),
            "unit_cost_usd" => match (o.spend_usd, o.units) {
                (Some(s), Some(u)) if u > 0 => s.as_decimal().checked_div(Decimal::from(u)),
                _ => None,
            },
            _ => None,
        }
    };
    let latest = rows
        .iter()
        .filter_map(|o| value(o).map(|v| (o.period_start, v)))
        .max_by_key(|(d, _)| *d);
    match latest {
        None => GuardrailCheck {
            guardrail: g.to_string(),
            label: g.label(),
            state: GuardrailState::NoData,
            actual: None,
            as_of: None,
        },
        Some((d, v)) => GuardrailCheck {
            guardrail: g.to_string(),
            label: g.label(),
            state: if g.op.holds(v, g.value) {
                GuardrailState::Met
            } else {
                GuardrailState::Breached
            },
            actual: Some(v),
            as_of: Some(d),
        },
    }
}

/// A dated milestone of a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Milestone {
    pub name: String,
    pub date: NaiveDate,
}

impl Milestone {
    /// `name=YYYY-MM-DD` or `name: YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Milestone, String> {
        let (name, date) = text
            .split_once('=')
            .or_else(|| text.split_once(": "))
            .ok_or_else(|| format!("'{text}': expected name=YYYY-MM-DD"))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!("'{name}': a milestone name is letters, digits, '_' or '-'"));
        }
        let date = crate::period::parse_iso_date(date.trim()).map_err(|e| format!("milestone {name}: {e}"))?;
        Ok(Milestone {
            name: name.into(),
            date,
        })
    }
}

/// A decision-log entry (the seed's example, plus its links and timestamps).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Decision {
    pub id: String,
    pub title: String,
    pub path: Path,
    pub use_case: Option<String>,
    pub scenario: Option<String>,
    pub owner: String,
    pub budget_usd: Option<Planned>,
    pub evidence: Vec<String>,
    pub guardrails: Vec<Guardrail>,
    pub milestones: Vec<Milestone>,
    pub status: Status,
    pub readout_date: NaiveDate,
    /// When it was first logged (UTC).
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub logged_at: NaiveDateTime,
    /// Hold only: when the work-off is due.
    pub workoff_due: Option<NaiveDate>,
    pub superseded_by: Option<String>,
    /// Rejected only: why (recorded with the rejection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
}

/// Changes to a Draft decision; `None` (or an empty list) keeps the stored
/// value. List fields: `evidence`/`guardrails`/`milestones` replace the
/// whole list when given; the `add_*` lists then append to it; a milestone
/// in `set_milestones` replaces the one with the same name, or is added;
/// `remove_milestones` names milestones to drop.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct DecisionEdit {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub budget_usd: Option<Planned>,
    pub workoff_due: Option<NaiveDate>,
    pub evidence: Option<Vec<String>>,
    pub add_evidence: Vec<String>,
    pub guardrails: Option<Vec<String>>,
    pub add_guardrails: Vec<String>,
    pub milestones: Option<Vec<String>>,
    pub set_milestones: Vec<String>,
    pub remove_milestones: Vec<String>,
}

/// Why an edit is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(
        "{id} is {status}; only a Draft can be edited (reject it and log a new one, or supersede it once approved)"
    )]
    NotDraft { id: String, status: &'static str },
    #[error("{0}")]
    Invalid(String),
}

/// Applies an edit to a Draft: every value is validated as `decision add`
/// validates it. Returns the edited decision (equal to `d` when nothing
/// changes); only a Draft is editable ("editable until proposed").
pub fn apply_edit(d: &Decision, e: &DecisionEdit) -> Result<Decision, EditError> {
    if d.status != Status::Draft {
        return Err(EditError::NotDraft {
            id: d.id.clone(),
            status: d.status.as_str(),
        });
    }
    let bad = EditError::Invalid;
    let mut n = d.clone();
    if let Some(t) = &e.title {
        if t.trim().is_empty() {
            return Err(bad("title must not be empty".into()));
        }
        n.title = t.trim().to_string();
    }
    if let Some(o) = &e.owner {
        n.owner = o.trim().to_string();
    }
    if let Some(b) = e.budget_usd {
        if b.is_negative() || !b.in_range() {
            return Err(bad("budget_usd must be within 0..999,999,999,999.99".into()));
        }
        n.budget_usd = Some(b);
    }
    if let Some(w) = e.workoff_due {
        n.workoff_due = Some(w);
    }
    if let Some(list) = &e.evidence {
        n.evidence = list.clone();
    }
    n.evidence.extend(e.add_evidence.iter().cloned());
    for (i, ev) in n.evidence.iter().enumerate() {
        check_evidence(ev).map_err(|m| bad(format!("evidence {}: {m}", i + 1)))?;
    }
    n.evidence.dedup();
    let parse_g = |g: &String| Guardrail::parse(g).map_err(|err| bad(format!("guardrail '{g}': {err}")));
    if let Some(list) = &e.guardrails {
        n.guardrails = list.iter().map(parse_g).collect::<Result<_, _>>()?;
    }
    for g in &e.add_guardrails {
        n.guardrails.push(parse_g(g)?);
    }
    let parse_m = |m: &String| Milestone::parse(m).map_err(|err| bad(format!("milestone: {err}")));
    if let Some(list) = &e.milestones {
        n.milestones = list.iter().map(parse_m).collect::<Result<_, _>>()?;
    }
    for m in &e.set_milestones {
        let m = parse_m(m)?;
        match n.milestones.iter_mut().find(|x| x.name == m.name) {
            Some(slot) => *slot = m,
            None => n.milestones.push(m),
        }
    }
    for name in &e.remove_milestones {
        let before = n.milestones.len();
        n.milestones.retain(|m| &m.name != name);
        if n.milestones.len() == before {
            return Err(bad(format!("{} has no milestone '{name}'", d.id)));
        }
    }
    Ok(n)
}

/// A rejection's reason: required, at most 2,000 characters.
pub fn check_rejection_reason(reason: &str) -> Result<String, String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err("a rejection needs a reason (--reason)".into());
    }
    if r.chars().count() > 2000 {
        return Err("the reason is longer than 2,000 characters".into());
    }
    Ok(r.to_string())
}

/// Default title: `EXPAND — Ops Copilot Wave 3 (EU)`.
pub fn default_title(path: Path, subject: &str) -> String {
    format!("{} — {subject}", path.as_str().to_ascii_uppercase())
}

/// Is an evidence reference well formed (a URL or a path, no spaces)?
pub fn check_evidence(e: &str) -> Result<(), String> {
    if e.trim().is_empty() {
        return Err("evidence must not be empty".into());
    }
    if e != e.trim() || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("'{e}': evidence is a link or file path without spaces"));
    }
    if e.contains("://") && !(e.starts_with("https://") || e.starts_with("http://")) {
        return Err(format!("'{e}': only http(s) links or file paths"));
    }
    Ok(())
}

/// What approval still needs (empty = complete).
pub fn missing_for_approval(d: &Decision, workoff_days: i64) -> Vec<String> {
    let mut m = vec![];
    if d.owner.trim().is_empty() {
        m.push("owner".to_string());
    }
    if d.budget_usd.is_none() {
        m.push("budget_usd".to_string());
    }
    if d.evidence.is_empty() {
        m.push("evidence (at least one link)".to_string());
    }
    if d.path == Path::Hold {
        match d.workoff_due {
            None => m.push(format!(
                "workoff_due (a Hold needs a work-off due within {workoff_days} days)"
            )),
            Some(due) if (due - d.readout_date).num_days() > workoff_days => m.push(format!(
                "workoff_due {due} is more than {workoff_days} days after the readout {}",
                d.readout_date
            )),
            _ => {}
        }
    }
    m
}

/// Whether a decision is incomplete: still open (Draft or Proposed) and
/// missing something approval needs. The one definition the CLI's
/// `--incomplete`, the app's filter and count, and the board pack use.
pub fn is_incomplete(d: &Decision, missing: &[String]) -> bool {
    matches!(d.status, Status::Draft | Status::Proposed) && !missing.is_empty()
}

/// Why a decision cannot be superseded by another.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SupersedeError {
    #[error("{id} is {status}; only an approved decision is superseded")]
    NotApproved { id: String, status: &'static str },
    #[error("{by} must be a later decision than {id}")]
    NotLater { id: String, by: String },
    #[error(
        "{by} is {status}; only an approved decision can supersede {id}, so that its path keeps a decision in force \
         (approve {by} first, or supersede with --approve to approve it in the same step)"
    )]
    NewerNotApproved {
        id: String,
        by: String,
        status: &'static str,
    },
    #[error("{by} is {status}; with --approve it must be Proposed (propose it first)")]
    CannotApprove { by: String, status: &'static str },
    #[error("cannot approve {by}: missing {missing}")]
    Incomplete { by: String, missing: String },
}

/// The supersession rule: `old` must be Approved, and `newer` a later,
/// different decision that is itself Approved, so a path never loses its
/// decision in force. With `approve_newer`, `newer` may instead be Proposed
/// and complete (see [`missing_for_approval`]): the caller approves it and
/// supersedes `old` in one step. Returns the status `newer` ends with.
pub fn check_supersede(
    old: &Decision,
    newer: &Decision,
    approve_newer: bool,
    workoff_days: i64,
) -> Result<Status, SupersedeError> {
    if old.status != Status::Approved {
        return Err(SupersedeError::NotApproved {
            id: old.id.clone(),
            status: old.status.as_str(),
        });
    }
    if old.id == newer.id || (newer.readout_date, newer.logged_at) < (old.readout_date, old.logged_at) {
        return Err(SupersedeError::NotLater {
            id: old.id.clone(),
            by: newer.id.clone(),
        });
    }
    match newer.status {
        Status::Approved => Ok(Status::Approved),
        s if approve_newer && s.can_move_to(Status::Approved) => {
            let missing = missing_for_approval(newer, workoff_days);
            if missing.is_empty() {
                Ok(Status::Approved)
            } else {
                Err(SupersedeError::Incomplete {
                    by: newer.id.clone(),
                    missing: missing.join("; "),
                })
            }
        }
        s if approve_newer => Err(SupersedeError::CannotApprove {
            by: newer.id.clone(),
            status: s.as_str(),
        }),
        s => Err(SupersedeError::NewerNotApproved {
            id: old.id.clone(),
            by: newer.id.clone(),
            status: s.as_str(),
        }),
    }
}

/// Was it logged within 24 hours of its readout (the readout date's start, UTC)?
pub fn logged_within_24h(d: &Decision) -> bool {
    let readout = d.readout_date.and_hms_opt(0, 0, 0).expect("midnight exists");
    (d.logged_at - readout).num_hours() < 24 && d.logged_at >= readout - chrono::Duration::days(1)
}

/// The entry in the seed's decision-log format, as YAML that parses back to
/// exactly the stored values and that no value can add a key to: every text
/// scalar (id, title, owner, evidence, guardrails, milestone names) is a
/// double-quoted string with every quote, backslash and unsafe character
/// escaped ([`yaml_quoted`]), so a newline, `:` or `#` in an owner stays
/// inside that owner. Numbers, dates, `null` and the status come from typed
/// values and are written plain.
pub fn to_yaml(d: &Decision) -> String {
    let mut s = String::new();
    s.push_str(&format!("id: {}\n", yaml_quoted(&d.id)));
    s.push_str(&format!("title: {}\n", yaml_quoted(&d.title)));
    s.push_str(&format!("owner: {}\n", yaml_quoted(&d.owner)));
    match d.budget_usd {
        Some(b) if b.cents().map(|c| c % 100 == 0).unwrap_or(false) => {
            s.push_str(&format!("budget_usd: {}\n", b.cents().unwrap_or(0) / 100))
        }
        Some(b) => s.push_str(&format!("budget_usd: {b}\n")),
        None => s.push_str("budget_usd: null\n"),
    }
    let list = |s: &mut String, key: &str, items: Vec<String>| {
        if items.is_empty() {
            s.push_str(&format!("{key}: []\n"));
        } else {
            s.push_str(&format!("{key}:\n"));
            for i in items {
                s.push_str(&format!("  - {i}\n"));
            }
        }
    };
    list(&mut s, "evidence", d.evidence.iter().map(|e| yaml_quoted(e)).collect());
    list(
        &mut s,
        "guardrails",
        d.guardrails.iter().map(|g| yaml_quoted(&g.to_string())).collect(),
    );
    list(
        &mut s,
        "milestones",
        d.milestones
            .iter()
            .map(|m| format!("{}: {}", yaml_quoted(&m.name), m.date))
            .collect(),
    );
    s.push_str(&format!("status: {}\n", d.status.as_str()));
    if let Some(r) = &d.rejection_reason {
        s.push_str(&format!("rejection_reason: {}\n", yaml_quoted(r)));
    }
    s
}

/// A YAML double-quoted scalar (JSON's string syntax, which YAML 1.1 and 1.2
/// read alike): `"` and `\` escaped, and every character YAML does not
/// allow raw or might read as a line break (C0, DEL, C1 including NEL, U+2028,
/// U+2029, the BOM, U+FFFE/U+FFFF) written as an escape. The result is always
/// one line and always one value.
pub fn yaml_quoted(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardrails_parse_and_print_back() {
        for text in [
            "p95_latency_ms <= 1200",
            "grounded_score >= 4.3/5",
            "unit_cost_usd <= 0.0095",
            "dau > 100",
            "privacy_incidents == 0",
        ] {
            assert_eq!(Guardrail::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn guardrails_read_as_words_with_their_limit_exact() {
        for (text, words) in [
            ("p95_latency_ms <= 1200", "p95 latency ≤ 1,200 ms"),
            ("grounded_score >= 4.3/5", "Grounded score ≥ 4.3/5"),
            ("unit_cost_usd <= 0.0095", "Unit cost ≤ $0.0095 per unit"),
            ("availability_pct >= 99.50", "Availability ≥ 99.50%"),
            ("dau > 12345", "Daily active users > 12,345"),
            ("privacy_incidents == 0", "Privacy incidents = 0"),
            ("value_delta < -1500.5", "KPI delta < -1,500.5"),
        ] {
            assert_eq!(guardrail_label(text), words, "{text}");
        }
        // Not a guardrail (the plan's generic target): as it is.
        assert_eq!(guardrail_label("hold every light"), "hold every light");
    }

    #[test]
    fn guardrail_errors_name_the_column() {
        assert_eq!(Guardrail::parse("p95_latency_ms =< 1200").unwrap_err().column, 16);
        assert_eq!(Guardrail::parse("p95_latency <= 1").unwrap_err().column, 1);
        assert_eq!(Guardrail::parse("grounded_score >= 6/5").unwrap_err().column, 19);
        assert_eq!(Guardrail::parse("dau >= 10 users").unwrap_err().column, 11);
        assert_eq!(Guardrail::parse("dau >= ").unwrap_err().column, 8);
    }

    #[test]
    fn workflow_moves() {
        assert!(Status::Draft.can_move_to(Status::Proposed));
        assert!(!Status::Draft.can_move_to(Status::Approved));
        assert!(!Status::Approved.can_move_to(Status::Draft));
        assert!(Status::Approved.can_move_to(Status::Superseded));
    }

    fn entry(id: &str, status: Status, readout: &str) -> Decision {
        Decision {
            id: id.into(),
            title: "EXPAND — x".into(),
            path: Path::Expand,
            use_case: None,
            scenario: None,
            owner: "VP Ops".into(),
            budget_usd: Some(Planned::from_dollars(1)),
            evidence: vec!["e.md".into()],
            guardrails: vec![],
            milestones: vec![],
            status,
            readout_date: crate::period::parse_iso_date(readout).unwrap(),
            logged_at: crate::period::parse_iso_date(readout)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            workoff_due: None,
            superseded_by: None,
            rejection_reason: None,
        }
    }

    #[test]
    fn only_an_approved_decision_supersedes() {
        let old = entry("A", Status::Approved, "2025-09-14");
        let ok = |n: &Decision, approve: bool| check_supersede(&old, n, approve, 30);
        assert_eq!(
            ok(&entry("B", Status::Approved, "2025-09-15"), false),
            Ok(Status::Approved)
        );
        for s in [Status::Draft, Status::Proposed, Status::Rejected, Status::Superseded] {
            let e = ok(&entry("B", s, "2025-09-15"), false).unwrap_err();
            assert!(matches!(e, SupersedeError::NewerNotApproved { .. }), "{s:?}: {e}");
        }
        // --approve: a complete Proposed decision is approved in the same step.
        assert_eq!(
            ok(&entry("B", Status::Proposed, "2025-09-15"), true),
            Ok(Status::Approved)
        );
        let mut incomplete = entry("B", Status::Proposed, "2025-09-15");
        incomplete.evidence.clear();
        assert!(matches!(ok(&incomplete, true), Err(SupersedeError::Incomplete { .. })));
        for s in [Status::Draft, Status::Rejected, Status::Superseded] {
            assert!(matches!(
                ok(&entry("B", s, "2025-09-15"), true),
                Err(SupersedeError::CannotApprove { .. })
            ));
        }
        assert!(matches!(
            ok(&entry("B", Status::Approved, "2025-09-13"), false),
            Err(SupersedeError::NotLater { .. })
        ));
        assert!(matches!(
            check_supersede(&old, &old, false, 30),
            Err(SupersedeError::NotLater { .. })
        ));
        let draft_old = entry("A", Status::Draft, "2025-09-14");
        assert!(matches!(
            check_supersede(&draft_old, &entry("B", Status::Approved, "2025-09-15"), false, 30),
            Err(SupersedeError::NotApproved { .. })
        ));
    }

    #[test]
    fn yaml_values_cannot_add_keys() {
        let mut d = entry("DEC-2025-09-14-01", Status::Approved, "2025-09-14");
        d.owner = "VP\nsuperseded_by: DEC-X".into();
        d.title = "a: b # c\r\n- d \"q\" \\ \u{1b}[2J\u{85}\u{2028}".into();
        let y = to_yaml(&d);
        assert!(y.lines().all(|l| !l.starts_with("superseded_by")), "{y}");
        assert_eq!(y.lines().count(), 9, "{y}");
        assert!(y.contains("owner: \"VP\\nsuperseded_by: DEC-X\"\n"), "{y}");
        assert!(!y.chars().any(|c| c.is_control() && c != '\n'), "{y:?}");
    }

    #[test]
    fn only_a_draft_is_edited_and_every_value_is_validated() {
        let d = entry("DEC-2025-09-14-01", Status::Draft, "2025-09-14");
        let e = DecisionEdit {
            owner: Some(" Ana Ruiz ".into()),
            budget_usd: Some(Planned::from_dollars(570_000)),
            add_evidence: vec!["https://dash.example/slo".into()],
            add_guardrails: vec!["p95_latency_ms <= 1200".into()],
            set_milestones: vec!["wave3_launch=2027-01-20".into()],
            ..Default::default()
        };
        let n = apply_edit(&d, &e).unwrap();
        assert_eq!(n.owner, "Ana Ruiz");
        assert_eq!(n.budget_usd, Some(Planned::from_dollars(570_000)));
        assert_eq!(n.evidence, vec!["e.md".to_string(), "https://dash.example/slo".into()]);
        assert_eq!(n.guardrails.len(), 1);
        // A milestone with the same name is replaced, not duplicated.
        let moved = apply_edit(
            &n,
            &DecisionEdit {
                set_milestones: vec!["wave3_launch=2027-02-01".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(moved.milestones.len(), 1);
        assert_eq!(moved.milestones[0].date.to_string(), "2027-02-01");
        let removed = apply_edit(
            &moved,
            &DecisionEdit {
                remove_milestones: vec!["wave3_launch".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(removed.milestones.is_empty());
        assert_eq!(apply_edit(&d, &DecisionEdit::default()).unwrap(), d, "no change");
        for bad in [
            DecisionEdit {
                add_evidence: vec!["two words".into()],
                ..Default::default()
            },
            DecisionEdit {
                add_guardrails: vec!["p95 <= 1".into()],
                ..Default::default()
            },
            DecisionEdit {
                set_milestones: vec!["x=2025-02-30".into()],
                ..Default::default()
            },
            DecisionEdit {
                title: Some("  ".into()),
                ..Default::default()
            },
            DecisionEdit {
                remove_milestones: vec!["nope".into()],
                ..Default::default()
            },
        ] {
            assert!(matches!(apply_edit(&d, &bad), Err(EditError::Invalid(_))), "{bad:?}");
        }
        for s in [Status::Proposed, Status::Approved, Status::Rejected, Status::Superseded] {
            let closed = entry("DEC-2025-09-14-01", s, "2025-09-14");
            assert!(matches!(apply_edit(&closed, &e), Err(EditError::NotDraft { .. })));
        }
    }

    #[test]
    fn a_rejection_reason_is_required_and_shown_in_the_yaml() {
        assert!(check_rejection_reason("  ").is_err());
        assert_eq!(check_rejection_reason(" no evidence ").unwrap(), "no evidence");
        let mut d = entry("DEC-2025-09-14-01", Status::Rejected, "2025-09-14");
        d.rejection_reason = Some("budget: \"too high\"\nredo".into());
        let y = to_yaml(&d);
        assert!(
            y.ends_with("rejection_reason: \"budget: \\\"too high\\\"\\nredo\"\n"),
            "{y}"
        );
        // Absent from the JSON snapshot when there is none (older trails replay unchanged).
        let json = serde_json::to_string(&entry("A", Status::Draft, "2025-09-14")).unwrap();
        assert!(!json.contains("rejection_reason"));
    }

    #[test]
    fn evidence_and_milestones() {
        assert!(check_evidence("wk08/finops/savings_scoreboard.csv").is_ok());
        assert!(check_evidence("https://dash.example/slo").is_ok());
        assert!(check_evidence("two words").is_err());
        assert!(check_evidence("ftp://x").is_err());
        assert_eq!(
            Milestone::parse("wave3_launch=2025-10-28").unwrap().date.to_string(),
            "2025-10-28"
        );
        assert!(Milestone::parse("wave3 launch=2025-10-28").is_err());
        assert!(Milestone::parse("x=2025-02-30").is_err());
        assert!(Milestone::parse("x=25-10-28").is_err());
        assert!(Milestone::parse("x=+10000-01-01").is_err());
        assert!(Milestone::parse("x=2025-1-5").unwrap_err().contains("milestone x"));
    }
}
