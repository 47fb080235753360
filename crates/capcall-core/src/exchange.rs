//! Scenario exchange: one self-describing, versioned JSON file that carries a
//! scenario from one portfolio to another (VP Ops drafting offline, the
//! FinOps lead opening it into the team's portfolio), and the comparison of
//! what the file assumed with the portfolio it is opened into.
//!
//! The file (`"format": "capcall-scenario"`, `"schema_version": 1`): name,
//! author, exported_at, status at export, as_of, the rubric (version, name,
//! settings), the parameters, and the lines, each with its inputs and what
//! it assumed: the old budget and the rubric's verdict. Money and decimals
//! are strings, exact (a JSON number where money is expected is refused, so
//! nothing passes through a float). A file with a newer `schema_version`
//! than this build reads is refused.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::UseCase;
use crate::rubric::{Path, RubricSettings};
use crate::scenario::{self, LineInput, Params, ScenarioStatus};

/// The `format` value of every scenario file.
pub const FORMAT: &str = "capcall-scenario";
/// The newest schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The rubric a scenario's verdicts came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RubricRef {
    pub version: u32,
    pub name: String,
    pub settings: RubricSettings,
}

/// A scenario as one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScenarioFile {
    pub format: String,
    pub schema_version: u32,
    pub name: String,
    pub author: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub exported_at: String,
    pub status: ScenarioStatus,
    pub as_of: NaiveDate,
    pub rubric: RubricRef,
    pub params: Params,
    /// Inputs per use case, with the budget (`old_budget_usd`) and verdict it assumed.
    pub lines: Vec<LineInput>,
}

/// Why a scenario file cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("not a Capcall scenario file: {0}")]
    NotAScenario(String),
    #[error(
        "the file is scenario schema version {found}; this Capcall reads up to version {supported} (upgrade Capcall to open it)"
    )]
    TooNew { found: u32, supported: u32 },
    #[error("{0}")]
    Invalid(String),
}

impl ScenarioFile {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a scenario file serializes");
        s.push('\n');
        s
    }

    /// Reads a file: the format and version first (so a newer file gets a
    /// clear refusal, whatever its shape), then every field, then every line
    /// is validated and the scenario must run.
    pub fn parse(text: &str) -> Result<ScenarioFile, FileError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| FileError::NotAScenario(format!("not JSON: {e}")))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(FileError::NotAScenario(format!("\"format\" is not \"{FORMAT}\"")));
        }
        let version = v
            .get("schema_version")
            .and_then(|n| n.as_u64())
            .ok_or_else(|| FileError::NotAScenario("no \"schema_version\"".into()))?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(FileError::TooNew {
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: SCHEMA_VERSION,
            });
        }
        let f: ScenarioFile = serde_json::from_value(v).map_err(|e| FileError::Invalid(e.to_string()))?;
        if f.name.trim().is_empty() {
            return Err(FileError::Invalid("the scenario has no name".into()));
        }
        let mut seen = BTreeSet::new();
        for l in &f.lines {
            if !crate::model::is_slug(&l.use_case) {
                return Err(FileError::Invalid(format!("'{}' is not a use case id", l.use_case)));
            }
            if !seen.insert(l.use_case.as_str()) {
                return Err(FileError::Invalid(format!("use case {} appears twice", l.use_case)));
            }
        }
        f.rubric
            .settings
            .validate()
            .map_err(|e| FileError::Invalid(format!("rubric: {e}")))?;
        scenario::run(&f.lines, &f.params).map_err(|e| FileError::Invalid(e.to_string()))?;
        Ok(f)
    }
}

/// What changed in a portfolio since a scenario file was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    BudgetChanged,
    VerdictChanged,
    UseCaseAdded,
    UseCaseRetired,
    UseCaseMissing,
    RubricChanged,
}

/// One change, with what the file assumed and what the portfolio says now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PortfolioChange {
    pub kind: ChangeKind,
    pub use_case: Option<String>,
    pub then: Option<String>,
    pub now: Option<String>,
    pub message: String,
}

/// The portfolio a file is opened into: its use cases with their current
/// verdicts (`None` when not scored: retired, or no data), and its rubric.
pub struct Current<'a> {
    pub use_cases: &'a [(UseCase, Option<Path>)],
    pub rubric_version: u32,
    pub rubric_settings: &'a RubricSettings,
}

/// Budgets, verdicts and use cases that changed since the file was made,
/// by use case id, then the rubric.
pub fn changes_since(f: &ScenarioFile, now: &Current<'_>) -> Vec<PortfolioChange> {
    let current: BTreeMap<&str, &(UseCase, Option<Path>)> =
        now.use_cases.iter().map(|c| (c.0.id.as_str(), c)).collect();
    let in_file: BTreeSet<&str> = f.lines.iter().map(|l| l.use_case.as_str()).collect();
    let mut out = vec![];
    let verdict = |p: Option<Path>| p.map(Path::as_str).unwrap_or("not scored").to_string();
    let mut lines: Vec<&LineInput> = f.lines.iter().collect();
    lines.sort_by(|a, b| a.use_case.cmp(&b.use_case));
    for l in lines {
        let id = l.use_case.as_str();
        let Some((uc, v)) = current.get(id).copied() else {
            out.push(PortfolioChange {
                kind: ChangeKind::UseCaseMissing,
                use_case: Some(id.into()),
                then: Some(l.name.clone()),
                now: None,
                message: format!("{id} is no longer in this portfolio"),
            });
            continue;
        };
        if uc.status.is_history() {
            out.push(PortfolioChange {
                kind: ChangeKind::UseCaseRetired,
                use_case: Some(id.into()),
                then: None,
                now: Some(uc.status.as_str().into()),
                message: format!("{id} has been retired since (history: no path, out of next-quarter totals)"),
            });
            continue;
        }
        if uc.budget_usd != l.old_budget_usd {
            out.push(PortfolioChange {
                kind: ChangeKind::BudgetChanged,
                use_case: Some(id.into()),
                then: Some(l.old_budget_usd.to_string()),
                now: Some(uc.budget_usd.to_string()),
                message: format!(
                    "{id}: budget {} then, {} now",
                    l.old_budget_usd.display_grouped(),
                    uc.budget_usd.display_grouped()
                ),
            });
        }
        if l.verdict != *v {
            out.push(PortfolioChange {
                kind: ChangeKind::VerdictChanged,
                use_case: Some(id.into()),
                then: Some(verdict(l.verdict)),
                now: Some(verdict(*v)),
                message: format!("{id}: verdict {} then, {} now", verdict(l.verdict), verdict(*v)),
            });
        }
    }
    for (uc, _) in now.use_cases {
        if !uc.status.is_history() && !in_file.contains(uc.id.as_str()) {
            out.push(PortfolioChange {
                kind: ChangeKind::UseCaseAdded,
                use_case: Some(uc.id.clone()),
                then: None,
                now: Some(uc.budget_usd.to_string()),
                message: format!(
                    "{} was added since (not in the scenario; budget {})",
                    uc.id,
                    uc.budget_usd.display_grouped()
                ),
            });
        }
    }
    if f.rubric.version != now.rubric_version || &f.rubric.settings != now.rubric_settings {
        out.push(PortfolioChange {
            kind: ChangeKind::RubricChanged,
            use_case: None,
            then: Some(format!("v{}", f.rubric.version)),
            now: Some(format!("v{}", now.rubric_version)),
            message: format!(
                "rubric: the file's verdicts came from {} v{}; this portfolio's rubric is v{}{}",
                f.rubric.name,
                f.rubric.version,
                now.rubric_version,
                if &f.rubric.settings == now.rubric_settings {
                    " (same thresholds)"
                } else {
                    " (different thresholds)"
                }
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lifecycle;
    use crate::money::Planned;
    use crate::scenario::Policy;

    fn file() -> ScenarioFile {
        ScenarioFile {
            format: FORMAT.into(),
            schema_version: SCHEMA_VERSION,
            name: "Q1 draft".into(),
            author: "VP Ops".into(),
            exported_at: "2026-12-01T08:00:00Z".into(),
            status: ScenarioStatus::Draft,
            as_of: "2026-11-30".parse().unwrap(),
            rubric: RubricRef {
                version: 1,
                name: "traffic-light v2".into(),
                settings: RubricSettings::default(),
            },
            params: Params {
                policy: Policy::ProRata,
                envelope_usd: Planned::parse("1000.01").unwrap(),
                reserve_pct: "2.5".parse().unwrap(),
                quarter_start: "2027-01-01".parse().unwrap(),
            },
            lines: vec![
                LineInput {
                    use_case: "a".into(),
                    name: "A".into(),
                    old_budget_usd: Planned::parse("123456789.07").unwrap(),
                    verdict: Some(Path::Expand),
                    ask_usd: Some(Planned::parse("0.01").unwrap()),
                    return_per_usd: Some("1.0000000000000000001".parse().unwrap()),
                    ..Default::default()
                },
                LineInput {
                    use_case: "b".into(),
                    name: "B".into(),
                    old_budget_usd: Planned::from_dollars(10),
                    verdict: Some(Path::Retire),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn a_file_round_trips_exactly_with_money_as_strings() {
        let f = file();
        let text = f.to_json();
        assert!(text.contains("\"old_budget_usd\": \"123456789.07\""), "{text}");
        assert!(text.contains("\"return_per_usd\": \"1.0000000000000000001\""), "{text}");
        assert_eq!(ScenarioFile::parse(&text).unwrap(), f);
        // Money as a JSON number is refused, never read through a float.
        let number = text.replace("\"123456789.07\"", "123456789.07");
        assert!(matches!(ScenarioFile::parse(&number), Err(FileError::Invalid(_))));
    }

    #[test]
    fn newer_or_foreign_files_are_refused_and_bad_lines_named() {
        let text = file().to_json();
        let newer = text.replace("\"schema_version\": 1", "\"schema_version\": 2");
        assert_eq!(
            ScenarioFile::parse(&newer),
            Err(FileError::TooNew { found: 2, supported: 1 })
        );
        // Even when the rest no longer has the shape this build knows.
        let newer_shape = "{\"format\": \"capcall-scenario\", \"schema_version\": 7, \"lines\": 3}";
        assert!(matches!(
            ScenarioFile::parse(newer_shape),
            Err(FileError::TooNew { .. })
        ));
        assert!(matches!(
            ScenarioFile::parse("{\"format\": \"other\"}"),
            Err(FileError::NotAScenario(_))
        ));
        assert!(matches!(
            ScenarioFile::parse("PK\u{3}\u{4}"),
            Err(FileError::NotAScenario(_))
        ));
        let twice = text.replace("\"use_case\": \"b\"", "\"use_case\": \"a\"");
        assert!(ScenarioFile::parse(&twice).unwrap_err().to_string().contains("twice"));
        let mut bad = file();
        bad.lines[0].return_per_usd = None; // an Expand ask without a return
        assert!(ScenarioFile::parse(&bad.to_json()).is_err());
    }

    #[test]
    fn changes_name_budgets_verdicts_and_use_cases_added_or_retired() {
        let f = file();
        let uc = |id: &str, budget: &str, status: Lifecycle| UseCase {
            id: id.into(),
            name: id.to_uppercase(),
            owner: "o".into(),
            wave: "Wave 1".into(),
            region: "EU".into(),
            status,
            flag: None,
            budget_usd: Planned::parse(budget).unwrap(),
            levers: vec![],
            sunset_date: None,
        };
        let same = vec![
            (uc("a", "123456789.07", Lifecycle::Live), Some(Path::Expand)),
            (uc("b", "10", Lifecycle::Live), Some(Path::Retire)),
        ];
        let settings = RubricSettings::default();
        let now = |u| Current {
            use_cases: u,
            rubric_version: 1,
            rubric_settings: &settings,
        };
        assert!(changes_since(&f, &now(&same)).is_empty());
        let moved = vec![
            (uc("a", "123456789.08", Lifecycle::Live), Some(Path::Hold)),
            (uc("b", "10", Lifecycle::Retired), None),
            (uc("c", "5", Lifecycle::Pilot), Some(Path::Hold)),
            (uc("old", "5", Lifecycle::Retired), None),
        ];
        let c = changes_since(&f, &now(&moved));
        let kinds: Vec<ChangeKind> = c.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ChangeKind::BudgetChanged,
                ChangeKind::VerdictChanged,
                ChangeKind::UseCaseRetired,
                ChangeKind::UseCaseAdded
            ]
        );
        assert_eq!(c[0].then.as_deref(), Some("123456789.07"));
        assert_eq!(c[0].now.as_deref(), Some("123456789.08"));
        let gone = changes_since(&f, &now(&same[..1]));
        assert_eq!(gone[0].kind, ChangeKind::UseCaseMissing);
        let v2 = Current {
            use_cases: &same,
            rubric_version: 2,
            rubric_settings: &settings,
        };
        assert_eq!(changes_since(&f, &v2)[0].kind, ChangeKind::RubricChanged);
    }
}
