//! Real cost data in SQLite (FORMATS.md, "Real cost data: FOCUS exports and
//! usage metrics"): `capcall import focus`, the mapping rules, the weekly
//! spend derived from them, `capcall costs` and `capcall import units`.
//!
//! **Import.** Every file is read once, streaming: a CSV (or `.csv.gz`,
//! through a gzip decoder) by a parser thread ([`csv_stream`]: the `csv`
//! crate's engine, bounded batches, the same line numbers and record limit as
//! `csv_input`) while this thread maps and aggregates; a Parquet file row
//! group by row group, see [`parquet`], its cells turned into the text a CSV
//! export holds so both go through one row logic. Each charge is
//! added, exactly, to an aggregate keyed by (billing account, billing period
//! start, UTC day, tag set, service, charge category, billing currency); a
//! charge spanning several days is split by time overlap first
//! (`capcall_core::focus::split_by_days`). Memory is bounded by the number of
//! distinct aggregates (at most [`MAX_PENDING`] are held; past that they are
//! merged into the table), not by the number of rows; the aggregates are
//! written once, in the table's key order, at the end. All files go in one
//! transaction; any bad cell rejects everything.
//!
//! **Replacement.** The first time an import meets a (billing account,
//! billing period start), everything stored for it is deleted, so importing
//! the same export again (or its `.gz`) changes nothing, and an export split
//! into several files is imported by giving all of them at once.
//!
//! **Spend.** After every import and mapping change, each use case's
//! `observations.spend_usd` is recomputed from the stored costs with the
//! current mapping ([`derive_spend`]), per the use case's observation
//! periods: ISO weeks (Monday, UTC) unless the use case's own rows are
//! months or weeks starting on another day ([`Cadence::of`], FORMATS.md
//! "unless the use case's existing rows say otherwise"). For every (use
//! case, period) with
//! mapped costs, `spend_usd` is their exact sum (the observation row is
//! created when absent; only `spend_usd` changes when present). A week that
//! had derived spend and no longer has any mapped cost gets `spend_usd`
//! NULL again (and its row is removed when the derivation created it and it
//! holds nothing else).

mod csv_stream;
mod parquet;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use capcall_core::focus::{
    day_date, epoch_day, format_datetime, key_matches, parse_datetime, split_by_days, week_start, Cadence, Mapping,
    Rule, TagSet,
};
use capcall_core::model::is_slug;
use capcall_core::money::Measured;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::csv_input::{self, Errors};
use crate::error::{Result, StoreError};
use crate::import::{parse_date, ImportProgress, ImportReport, MAX_UNITS};
use crate::portfolio::Portfolio;

/// Aggregates held in memory before they are merged into `cost_lines`
/// (about 40 bytes each, so at most ~80 MiB with the hash table's slack).
/// Below it, every aggregate is written once, in key order, at the end;
/// past it, the pending ones are merged into what an earlier flush wrote
/// (a read per line, slower, still exact).
pub const MAX_PENDING: usize = 1_500_000;
/// Distinct raw `Tags`/`AllocatedTags` cells remembered (their parse is
/// cached); the cache is emptied past this.
const MAX_TAG_CACHE: usize = 200_000;

/// Which FOCUS cost column is imported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CostColumn {
    /// `EffectiveCost`: amortized, what FinOps teams track (the default).
    #[default]
    Effective,
    /// `BilledCost`: as invoiced.
    Billed,
}

impl CostColumn {
    pub fn column(self) -> &'static str {
        match self {
            CostColumn::Effective => "EffectiveCost",
            CostColumn::Billed => "BilledCost",
        }
    }
}

/// Options of `capcall import focus`.
#[derive(Clone, Debug, Default)]
pub struct FocusOptions {
    pub cost: CostColumn,
    /// Map by this tag key from now on (a new mapping version when it differs).
    pub tag_key: Option<String>,
    /// `date,currency,rate` to the portfolio currency.
    pub rates: Option<PathBuf>,
}

/// One file of a FOCUS import.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FocusFileReport {
    pub file: String,
    pub rows: u64,
    pub gzip: bool,
    pub parquet: bool,
}

/// One billing period of one billing account, as imported.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BillingPeriodReport {
    pub billing_account: String,
    pub billing_period_start: String,
    pub billing_period_end: String,
    pub rows: u64,
    pub total: Measured,
    /// A previous import of this period was replaced.
    pub replaced: bool,
}

/// What `capcall import focus` did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FocusReport {
    pub files: Vec<FocusFileReport>,
    pub rows: u64,
    pub cost_column: String,
    pub currency: String,
    /// Sum of the imported cost column over every row (converted with
    /// `--rates` when given).
    pub total: Measured,
    pub billing_periods: Vec<BillingPeriodReport>,
    /// Aggregated lines stored.
    pub lines: u64,
    /// Observation weeks whose `spend_usd` changed.
    pub spend_weeks_changed: u64,
    pub mapping_version: i64,
}

/// What a FOCUS import would do ([`Portfolio::preview_focus`]): the
/// import's report and the costs of the billing periods it imports, mapped.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FocusPreview {
    pub import: FocusReport,
    pub costs: CostReport,
    /// The unallocated cost as a percentage of the total, one decimal
    /// (`None` when the total is zero).
    pub unallocated_pct: Option<String>,
}

/// One use case's cost under the current mapping and a proposed one.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingMove {
    pub id: String,
    pub before: Measured,
    pub after: Measured,
    /// `after - before`.
    pub difference: Measured,
    /// The difference is not zero.
    pub moved: bool,
}

/// What a mapping change would move, over every imported cost, before it is
/// applied. `total` is the same before and after; only its split changes.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingPreview {
    pub currency: String,
    /// The current version (the proposal would be the next one).
    pub version: i64,
    pub before: Mapping,
    pub after: Mapping,
    /// Rules added, changed or removed, and 1 for a changed tag key.
    pub rules_changed: u64,
    pub total: Measured,
    /// Every use case with cost before or after, by id.
    pub use_cases: Vec<MappingMove>,
    pub unallocated_before: Measured,
    pub unallocated_after: Measured,
    pub unallocated_difference: Measured,
}

/// A mapping version.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingVersion {
    /// 0: the default mapping, never changed.
    pub version: i64,
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub note: String,
    pub mapping: Mapping,
}

/// What a mapping change did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingReport {
    pub file: String,
    pub rules_read: u64,
    pub rules_changed: u64,
    pub version: i64,
    pub spend_weeks_changed: u64,
}

/// How `capcall costs` groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CostsBy {
    #[default]
    UseCase,
    Week,
    Service,
    Category,
}

/// A use case's mapped cost.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UseCaseCost {
    pub id: String,
    pub cost: Measured,
}

/// One group of `capcall costs --by week|service|category`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CostGroup {
    pub key: String,
    pub allocated: Measured,
    pub unallocated: Measured,
    pub total: Measured,
}

/// Unallocated cost by the value of the mapping's tag key.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UnallocatedValue {
    /// The tag's value; `null` when the cost has no such tag.
    pub tag_value: Option<String>,
    pub cost: Measured,
}

/// Unallocated cost by service (`ServiceName`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UnallocatedService {
    pub service: String,
    pub cost: Measured,
}

/// What `capcall costs` shows. `total = allocated + unallocated`, exactly.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CostReport {
    pub currency: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub by: CostsBy,
    pub total: Measured,
    pub allocated: Measured,
    pub unallocated: Measured,
    pub use_cases: Vec<UseCaseCost>,
    pub groups: Vec<CostGroup>,
    pub unallocated_by_tag_value: Vec<UnallocatedValue>,
    /// The largest unallocated amounts by service (at most 20).
    pub unallocated_by_service: Vec<UnallocatedService>,
    pub mapping_version: i64,
    pub tag_key: String,
}

/// The portfolio currency (`meta.currency`; USD when unset).
pub fn portfolio_currency(conn: &Connection) -> Result<String> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = 'currency'", [], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "USD".to_string()))
}

/// The current mapping and its version (0 = the default, never changed).
pub fn current_mapping(conn: &Connection) -> Result<MappingVersion> {
    let row: Option<(i64, String, String, String, String)> = conn
        .query_row(
            "SELECT version, tag_key, created_at, created_by, note FROM cost_mappings ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((version, tag_key, at, by, note)) = row else {
        return Ok(MappingVersion {
            version: 0,
            created_at: None,
            created_by: None,
            note: String::new(),
            mapping: Mapping::default(),
        });
    };
    let mut stmt = conn
        .prepare("SELECT tag_key, tag_value, use_case FROM cost_mapping_rules WHERE version = ?1 ORDER BY position")?;
    let rules = stmt
        .query_map([version], |r| {
            Ok(Rule {
                tag_key: r.get(0)?,
                tag_value: r.get(1)?,
                use_case: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(MappingVersion {
        version,
        created_at: Some(at),
        created_by: Some(by),
        note,
        mapping: Mapping { tag_key, rules },
    })
}

/// Writes `mapping` as a new version and audits the change. Returns the version.
fn save_mapping(
    conn: &Connection,
    ctx: &crate::context::Context,
    before: &MappingVersion,
    mapping: &Mapping,
    note: &str,
) -> Result<i64> {
    let version = before.version + 1;
    conn.execute(
        "INSERT INTO cost_mappings (version, tag_key, created_at, created_by, note) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![version, mapping.tag_key, ctx.now(), ctx.actor(), note],
    )?;
    let mut stmt = conn.prepare(
        "INSERT INTO cost_mapping_rules (version, position, tag_key, tag_value, use_case) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, r) in mapping.rules.iter().enumerate() {
        stmt.execute(params![version, i as i64, r.tag_key, r.tag_value, r.use_case])?;
    }
    let json = |m: &Mapping| serde_json::to_string(m).unwrap_or_default();
    crate::audit::append(
        conn,
        ctx,
        "cost_mapping",
        &version.to_string(),
        note,
        Some(&json(&before.mapping)),
        Some(&json(mapping)),
    )?;
    Ok(version)
}

/// A JSON object cell as `(key, value)` pairs: strings as written, other
/// values as JSON text, nulls left out.
fn tag_pairs(json: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return vec![];
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((k, s)),
            other => Some((k, other.to_string())),
        })
        .collect()
}

/// A tag set's use case pk (None: unallocated) and the value of the
/// mapping's tag key.
type Resolved = (Option<i64>, Option<String>);

/// Every stored tag set: its use case pk under `mapping` (None: unallocated)
/// and the value of the mapping's tag key.
fn resolve_tag_sets(
    conn: &Connection,
    mapping: &Mapping,
    use_cases: &HashMap<String, i64>,
) -> Result<HashMap<i64, Resolved>> {
    let mut stmt = conn.prepare("SELECT id, tags, allocated_tags FROM cost_tag_sets")?;
    let mut rows = stmt.query([])?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let tags = TagSet {
            tags: tag_pairs(&r.get::<_, String>(1)?),
            allocated: tag_pairs(&r.get::<_, String>(2)?),
        };
        let (uc, _) = mapping.resolve(&tags, |id| use_cases.contains_key(id));
        let pk = uc.and_then(|u| use_cases.get(&u).copied());
        out.insert(id, (pk, tags.get(&mapping.tag_key).map(str::to_string)));
    }
    Ok(out)
}

fn use_case_pks(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT id, pk FROM use_cases")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Column `i` of a row as text (stored text columns).
fn text_at<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

fn add(acc: &mut Measured, v: Measured) -> Result<()> {
    *acc = acc.checked_add(v)?;
    Ok(())
}

/// Recomputes every use case's weekly `spend_usd` from the stored costs and
/// the current mapping (the rule in the module docs). Returns how many
/// observation weeks changed.
pub(crate) fn derive_spend(conn: &Connection) -> Result<u64> {
    let mapping = current_mapping(conn)?.mapping;
    let use_cases = use_case_pks(conn)?;
    let sets = resolve_tag_sets(conn, &mapping, &use_cases)?;
    // Each use case's periods, from its own rows (not those this derivation created).
    let cadences: HashMap<i64, Cadence> = {
        let mut stmt = conn.prepare(
            "SELECT o.use_case, o.period_start FROM observations o WHERE NOT EXISTS (SELECT 1 FROM cost_spend_weeks w \
             WHERE w.use_case = o.use_case AND w.week_start = o.period_start AND w.created = 1) \
             ORDER BY o.use_case, o.period_start",
        )?;
        let mut rows = stmt.query([])?;
        let mut starts: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let start = parse_date(text_at(r, 1)?).map_err(StoreError::Invalid)?;
            starts.entry(r.get(0)?).or_default().push(start);
        }
        starts.into_iter().map(|(pk, s)| (pk, Cadence::of(&s))).collect()
    };
    let iso = Cadence::Weekly(chrono::Weekday::Mon);
    let mut weekly: BTreeMap<(i64, NaiveDate), Measured> = BTreeMap::new();
    {
        let mut stmt = conn.prepare("SELECT day, tag_set, cost FROM cost_lines")?;
        let mut rows = stmt.query([])?;
        let mut day_cache: HashMap<String, NaiveDate> = HashMap::new();
        while let Some(r) = rows.next()? {
            let tag_set: i64 = r.get(1)?;
            let Some((Some(pk), _)) = sets.get(&tag_set) else {
                continue;
            };
            let day_text = text_at(r, 0)?;
            let day = match day_cache.get(day_text) {
                Some(d) => *d,
                None => {
                    let d = parse_date(day_text).map_err(StoreError::Invalid)?;
                    day_cache.insert(day_text.to_string(), d);
                    d
                }
            };
            let week = cadences.get(pk).copied().unwrap_or(iso).period_start(day);
            let cost = Measured::from_canonical(text_at(r, 2)?).map_err(capcall_core::MoneyError::from)?;
            add(weekly.entry((*pk, week)).or_default(), cost)?;
        }
    }
    let previous: HashMap<(i64, String), bool> = {
        let mut stmt = conn.prepare("SELECT use_case, week_start, created FROM cost_spend_weeks")?;
        let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? == 1)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut changed = 0u64;
    let mut kept: HashSet<(i64, String)> = HashSet::new();
    let mut existing = conn.prepare("SELECT spend_usd FROM observations WHERE use_case = ?1 AND period_start = ?2")?;
    let mut insert =
        conn.prepare("INSERT INTO observations (use_case, period_start, spend_usd) VALUES (?1, ?2, ?3)")?;
    let mut update =
        conn.prepare("UPDATE observations SET spend_usd = ?3 WHERE use_case = ?1 AND period_start = ?2")?;
    let mut mark = conn.prepare(
        "INSERT INTO cost_spend_weeks (use_case, week_start, created) VALUES (?1, ?2, ?3) \
         ON CONFLICT (use_case, week_start) DO NOTHING",
    )?;
    for ((pk, week), spend) in &weekly {
        let week = week.to_string();
        let spend = spend.to_string();
        let current: Option<Option<String>> = existing.query_row(params![pk, week], |r| r.get(0)).optional()?;
        match current {
            None => {
                insert.execute(params![pk, week, spend])?;
                mark.execute(params![pk, week, 1])?;
                changed += 1;
            }
            Some(old) => {
                if old.as_deref() != Some(spend.as_str()) {
                    update.execute(params![pk, week, spend])?;
                    changed += 1;
                }
                mark.execute(params![pk, week, 0])?;
            }
        }
        kept.insert((*pk, week));
    }
    for ((pk, week), created) in previous {
        if kept.contains(&(pk, week.clone())) {
            continue;
        }
        changed += update.execute(params![pk, week, Option::<String>::None])? as u64;
        if created {
            conn.execute(
                "DELETE FROM observations WHERE use_case = ?1 AND period_start = ?2 AND spend_usd IS NULL \
                 AND forecast_usd IS NULL AND units IS NULL AND value_delta IS NULL AND value_target IS NULL \
                 AND value_hurdle IS NULL AND value_ci_low IS NULL AND value_ci_high IS NULL \
                 AND p95_latency_ms IS NULL AND p95_latency_slo_ms IS NULL AND availability_pct IS NULL \
                 AND availability_slo_pct IS NULL AND eval_status IS NULL AND grounded_score IS NULL \
                 AND privacy_incidents IS NULL AND dau IS NULL AND dau_target IS NULL \
                 AND task_success_pct IS NULL AND remediation_plan IS NULL AND remediation_due IS NULL",
                params![pk, week],
            )?;
        }
        conn.execute(
            "DELETE FROM cost_spend_weeks WHERE use_case = ?1 AND week_start = ?2",
            params![pk, week],
        )?;
    }
    Ok(changed)
}

/// Assigns small ids to repeated strings (accounts, services, categories,
/// currencies), so an aggregate key is a few integers.
#[derive(Default)]
struct Interner {
    map: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.map.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.map.insert(s.to_string(), i);
        i
    }

    /// Every id's rank in the names' byte order (SQLite's `BINARY` collation).
    fn ranks(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.names.len() as u32).collect();
        ids.sort_unstable_by(|a, b| self.names[*a as usize].cmp(&self.names[*b as usize]));
        let mut rank = vec![0u32; ids.len()];
        for (r, id) in ids.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

/// An aggregate's key: the billing period (which holds the billing account),
/// the UTC day and interned ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    period: u32,
    day: i32,
    tag_set: u32,
    service: u32,
    category: u32,
    currency: u32,
}

struct PeriodAcc {
    account: u32,
    start: i64,
    end: i64,
    rows: u64,
    total: Measured,
    replaced: bool,
}

/// Columns read from a FOCUS file (others are ignored: FOCUS has dozens).
const COLUMNS: &[&str] = &[
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "ServiceName",
    "Tags",
    "AllocatedTags",
    "ResourceId",
];
const C_ACCOUNT: usize = 0;
const C_BP_START: usize = 1;
const C_BP_END: usize = 2;
const C_CH_START: usize = 3;
const C_CH_END: usize = 4;
const C_CATEGORY: usize = 5;
const C_BILLED: usize = 6;
const C_EFFECTIVE: usize = 7;
const C_CURRENCY: usize = 8;
const C_SERVICE: usize = 9;
const C_TAGS: usize = 10;
const C_ALLOCATED: usize = 11;
/// Columns a row is read from (`ResourceId` is known, not used).
const C_USED: usize = 12;
/// One row's cells, by column (`COLUMNS` order); `None` for a null or absent cell.
type Cells<'a> = [Option<&'a str>; C_USED];

/// The columns a file must have when `cost_col` is imported.
fn required_columns(cost_col: usize) -> impl Iterator<Item = usize> {
    [
        C_ACCOUNT, C_BP_START, C_BP_END, C_CH_START, C_CH_END, C_CATEGORY, C_CURRENCY, cost_col,
    ]
    .into_iter()
}

/// A FOCUS cell: `None` for an empty cell or the literal `NULL`.
fn nullable(t: &str) -> Option<&str> {
    if t.is_empty() || t.eq_ignore_ascii_case("null") {
        None
    } else {
        Some(t)
    }
}

/// A `Tags`-like cell in canonical form (a JSON object with sorted keys), or why not.
fn canonical_tags(t: Option<&str>) -> std::result::Result<String, String> {
    let Some(t) = t else { return Ok("{}".into()) };
    let parsed = serde_json::from_str::<serde_json::Value>(t).or_else(|e| {
        // Some exports drop the braces: `"k": "v", "k2": "v2"`.
        if t.starts_with('"') {
            serde_json::from_str::<serde_json::Value>(&format!("{{{t}}}")).map_err(|_| e)
        } else {
            Err(e)
        }
    });
    match parsed {
        Ok(serde_json::Value::Object(map)) => {
            let sorted: BTreeMap<String, serde_json::Value> = map.into_iter().collect();
            Ok(serde_json::to_string(&sorted).unwrap_or_else(|_| "{}".into()))
        }
        Ok(_) => Err("not a JSON object (FOCUS tags are {\"key\": \"value\", ...})".into()),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

/// Exchange rates: currency → (day → rate to the portfolio currency).
type Rates = HashMap<String, BTreeMap<i64, Decimal>>;

fn read_rates(path: &Path) -> Result<Rates> {
    let (mut rdr, _) = csv_input::open(path)?;
    let mut errors = Errors::new(path);
    let header = csv_input::read_header(
        &mut rdr,
        &["date", "currency", "rate"],
        &["date", "currency", "rate"],
        &mut errors,
    )?;
    let ix = |k: usize| header.index[k].unwrap_or(0);
    let mut rates: Rates = HashMap::new();
    csv_input::each_record(&mut rdr, &mut errors, |line, record, errors| {
        let cell = |k: usize| record.get(ix(k)).map(csv_input::cell_text).unwrap_or(Ok(""));
        let date = match cell(0).and_then(parse_date) {
            Ok(d) => d,
            Err(m) => {
                errors.push(line, ix(0) as u64 + 1, "date", m);
                return true;
            }
        };
        let currency = match cell(1) {
            Ok(t) if t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase()) => t.to_string(),
            Ok(t) => {
                errors.push(
                    line,
                    ix(1) as u64 + 1,
                    "currency",
                    format!("'{t}' is not an ISO 4217 code (e.g. EUR)"),
                );
                return true;
            }
            Err(m) => {
                errors.push(line, ix(1) as u64 + 1, "currency", m);
                return true;
            }
        };
        let rate = match cell(2).and_then(|t| {
            Decimal::from_scientific(t)
                .or_else(|_| Decimal::from_str_exact(t))
                .map_err(|_| format!("'{t}' is not a decimal number"))
        }) {
            Ok(r) if r > Decimal::ZERO && r < Decimal::from(1_000_000) => r,
            Ok(r) => {
                errors.push(
                    line,
                    ix(2) as u64 + 1,
                    "rate",
                    format!("{r} is out of range (0 < rate < 1000000)"),
                );
                return true;
            }
            Err(m) => {
                errors.push(line, ix(2) as u64 + 1, "rate", m);
                return true;
            }
        };
        let day = (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days();
        rates.entry(currency).or_default().insert(day, rate);
        true
    });
    errors.into_result()?;
    Ok(rates)
}

/// The import of one run (several files): aggregates, interned names, the
/// billing periods met, and where their rows have been written.
struct Run<'t> {
    tx: &'t Connection,
    column: CostColumn,
    currency: String,
    rates: Option<Rates>,
    accounts: Interner,
    services: Interner,
    categories: Interner,
    currencies: Interner,
    /// Canonical (tags, allocated tags) per local tag-set id, and the stored id once written.
    tag_sets: Vec<(String, String, Option<i64>)>,
    tag_index: FxHashMap<(String, String), u32>,
    tag_cache: FxHashMap<Vec<u8>, u32>,
    /// Scratch space for a `tag_cache` key.
    tag_key: Vec<u8>,
    periods: Vec<PeriodAcc>,
    period_index: FxHashMap<(u32, i64), u32>,
    /// The last row's (billing account, billing period start, end) cells
    /// and their period: consecutive rows of one period skip the parsing.
    last_period: Option<(String, String, String, u32)>,
    pending: FxHashMap<Key, Measured>,
    flushed: bool,
    lines: u64,
    total: Measured,
    rows: u64,
}

impl Run<'_> {
    fn period(&mut self, account: u32, start: i64, end: i64) -> Result<u32> {
        if let Some(p) = self.period_index.get(&(account, start)) {
            return Ok(*p);
        }
        let name = &self.accounts.names[account as usize];
        let start_text = format_datetime(start);
        let replaced = self.tx.execute(
            "DELETE FROM cost_periods WHERE billing_account = ?1 AND billing_period_start = ?2",
            params![name, start_text],
        )? > 0;
        self.tx.execute(
            "DELETE FROM cost_lines WHERE billing_account = ?1 AND billing_period_start = ?2",
            params![name, start_text],
        )?;
        let id = self.periods.len() as u32;
        self.periods.push(PeriodAcc {
            account,
            start,
            end,
            rows: 0,
            total: Measured::ZERO,
            replaced,
        });
        self.period_index.insert((account, start), id);
        Ok(id)
    }

    fn tag_set(&mut self, tags: Option<&str>, allocated: Option<&str>) -> std::result::Result<u32, (usize, String)> {
        let mut key = std::mem::take(&mut self.tag_key);
        key.clear();
        key.extend_from_slice(tags.unwrap_or("").as_bytes());
        key.push(0xff);
        key.extend_from_slice(allocated.unwrap_or("").as_bytes());
        if let Some(id) = self.tag_cache.get(key.as_slice()) {
            let id = *id;
            self.tag_key = key;
            return Ok(id);
        }
        let t = canonical_tags(tags).map_err(|m| (C_TAGS, m))?;
        let a = canonical_tags(allocated).map_err(|m| (C_ALLOCATED, m))?;
        let id = match self.tag_index.get(&(t.clone(), a.clone())) {
            Some(id) => *id,
            None => {
                let id = self.tag_sets.len() as u32;
                self.tag_sets.push((t.clone(), a.clone(), None));
                self.tag_index.insert((t, a), id);
                id
            }
        };
        if self.tag_cache.len() >= MAX_TAG_CACHE {
            self.tag_cache.clear();
        }
        self.tag_cache.insert(key.clone(), id);
        self.tag_key = key;
        Ok(id)
    }

    /// Writes the pending aggregates, adding to what an earlier flush wrote.
    fn flush(&mut self) -> Result<()> {
        let mut new_set = self.tx.prepare_cached(
            "INSERT INTO cost_tag_sets (tags, allocated_tags) VALUES (?1, ?2) ON CONFLICT (tags, allocated_tags) DO NOTHING",
        )?;
        let mut set_id = self
            .tx
            .prepare_cached("SELECT id FROM cost_tag_sets WHERE tags = ?1 AND allocated_tags = ?2")?;
        for (t, a, id) in &mut self.tag_sets {
            if id.is_none() {
                new_set.execute(params![&*t, &*a])?;
                *id = Some(set_id.query_row(params![&*t, &*a], |r| r.get(0))?);
            }
        }
        // A plain INSERT (the period's lines were deleted when the import met
        // it, and an earlier flush's line is updated instead): `OR REPLACE`
        // would make SQLite keep a statement journal, a copy of every page
        // touched, row by row.
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO cost_lines (billing_account, billing_period_start, day, tag_set, service, category, \
             currency, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut update = self.tx.prepare_cached(
            "UPDATE cost_lines SET cost = ?8 WHERE billing_account = ?1 AND billing_period_start = ?2 AND day = ?3 \
             AND tag_set = ?4 AND service = ?5 AND category = ?6 AND currency = ?7",
        )?;
        let mut select = self.tx.prepare_cached(
            "SELECT cost FROM cost_lines WHERE billing_account = ?1 AND billing_period_start = ?2 AND day = ?3 \
             AND tag_set = ?4 AND service = ?5 AND category = ?6 AND currency = ?7",
        )?;
        // Written in the table's key order (text ranks, as SQLite compares),
        // so the B-tree is filled front to back.
        let account_rank = self.accounts.ranks();
        let mut by_period: Vec<u32> = (0..self.periods.len() as u32).collect();
        by_period.sort_unstable_by_key(|p| {
            let p = &self.periods[*p as usize];
            (account_rank[p.account as usize], p.start)
        });
        let mut period_rank = vec![0u32; by_period.len()];
        for (r, p) in by_period.into_iter().enumerate() {
            period_rank[p as usize] = r as u32;
        }
        let (service_rank, category_rank, currency_rank) =
            (self.services.ranks(), self.categories.ranks(), self.currencies.ranks());
        let stored_set: Vec<i64> = self.tag_sets.iter().map(|t| t.2.unwrap_or(0)).collect();
        let mut keys: Vec<(Key, Measured)> = self.pending.drain().collect();
        keys.sort_unstable_by_key(|(k, _)| {
            (
                period_rank[k.period as usize],
                k.day,
                stored_set[k.tag_set as usize],
                service_rank[k.service as usize],
                category_rank[k.category as usize],
                currency_rank[k.currency as usize],
            )
        });
        let period_text: Vec<String> = self.periods.iter().map(|p| format_datetime(p.start)).collect();
        let mut day_text: HashMap<i32, String> = HashMap::new();
        for (k, mut cost) in keys {
            let p = &self.periods[k.period as usize];
            let start = &period_text[k.period as usize];
            let day: &str = day_text
                .entry(k.day)
                .or_insert_with(|| day_date(i64::from(k.day)).map(|d| d.to_string()).unwrap_or_default());
            let account = &self.accounts.names[p.account as usize];
            let tag_set = self.tag_sets[k.tag_set as usize].2;
            let service = &self.services.names[k.service as usize];
            let category = &self.categories.names[k.category as usize];
            let currency = &self.currencies.names[k.currency as usize];
            let old: Option<String> = if self.flushed {
                select
                    .query_row(
                        params![account, start, day, tag_set, service, category, currency],
                        |r| r.get(0),
                    )
                    .optional()?
            } else {
                None
            };
            let statement = match old {
                Some(old) => {
                    cost = cost.checked_add(Measured::from_canonical(&old).map_err(capcall_core::MoneyError::from)?)?;
                    &mut update
                }
                None => {
                    self.lines += 1;
                    &mut insert
                }
            };
            statement.execute(params![
                account,
                start,
                day,
                tag_set,
                service,
                category,
                currency,
                cost.to_string()
            ])?;
        }
        self.flushed = true;
        Ok(())
    }

    /// Adds one charge.
    fn add(&mut self, key: Key, cost: Measured) -> Result<()> {
        let slot = self.pending.entry(key).or_default();
        *slot = slot.checked_add(cost)?;
        if self.pending.len() >= MAX_PENDING {
            self.flush()?;
        }
        Ok(())
    }

    /// Converts a cost billed in `currency` on `day` to the portfolio currency.
    fn convert(&self, cost: Measured, currency: &str, day: i64) -> std::result::Result<Measured, String> {
        if currency == self.currency {
            return Ok(cost);
        }
        let Some(rates) = &self.rates else {
            return Err(format!(
                "'{currency}' is not the portfolio currency ({}); give --rates FILE (date,currency,rate) to convert it",
                self.currency
            ));
        };
        let date = day_date(day).map(|d| d.to_string()).unwrap_or_default();
        let Some(rate) = rates
            .get(currency)
            .and_then(|r| r.range(..=day).next_back())
            .map(|(_, r)| *r)
        else {
            return Err(format!(
                "no rate for '{currency}' on or before {date} in the rates file"
            ));
        };
        let v = cost
            .as_decimal()
            .checked_mul(rate)
            .ok_or_else(|| format!("{cost} {currency} at rate {rate} is out of range"))?
            .round_dp_with_strategy(
                capcall_core::money::MEASURED_MAX_SCALE,
                RoundingStrategy::MidpointNearestEven,
            );
        Measured::from_decimal(v).map_err(|_| format!("{cost} {currency} at rate {rate} is out of range"))
    }

    /// Reads one file into the aggregates.
    fn read_file(
        &mut self,
        path: &Path,
        done_bytes: u64,
        progress: &mut dyn FnMut(ImportProgress),
        total_bytes: u64,
    ) -> Result<FocusFileReport> {
        let mut file = File::open(path).map_err(|e| StoreError::io(path, e))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(StoreError::Invalid(format!(
                "{}: is a directory, not a FOCUS file",
                path.display()
            )));
        }
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).map_err(|e| StoreError::io(path, e))?;
        let name = path.to_string_lossy().to_ascii_lowercase();
        if (n == 4 && &magic == b"PAR1") || name.ends_with(".parquet") {
            return self.read_parquet(path, file, done_bytes, progress, total_bytes);
        }
        let gzip = n >= 2 && magic[..2] == [0x1f, 0x8b];
        let count = Arc::new(AtomicU64::new(0));
        let prefix = io::Cursor::new(magic[..n].to_vec());
        let counted = csv_stream::Counting {
            inner: prefix.chain(file),
            count: count.clone(),
        };
        let inner: Box<dyn Read + Send> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
                1 << 16,
                counted,
            )))
        } else {
            Box::new(counted)
        };
        let (to, batches) = std::sync::mpsc::sync_channel::<csv_stream::Batch>(csv_stream::IN_FLIGHT);
        let (free, returned) = std::sync::mpsc::channel::<csv_stream::Batch>();
        std::thread::scope(|s| {
            let counter = count.clone();
            s.spawn(move || csv_stream::parse(inner, &counter, to, returned));
            // Returning drops `batches` and `free`, which stops the parser
            // thread if the import stopped early; the scope then joins it.
            self.read_records(path, batches, free, gzip, &count, done_bytes, progress, total_bytes)
        })
    }

    /// Maps and aggregates the records the parser thread sends.
    #[allow(clippy::too_many_arguments)]
    fn read_records(
        &mut self,
        path: &Path,
        batches: std::sync::mpsc::Receiver<csv_stream::Batch>,
        free: std::sync::mpsc::Sender<csv_stream::Batch>,
        gzip: bool,
        count: &AtomicU64,
        done_bytes: u64,
        progress: &mut dyn FnMut(ImportProgress),
        total_bytes: u64,
    ) -> Result<FocusFileReport> {
        let mut errors = Errors::new(path);
        let cost_col = self.cost_col();
        let required: Vec<&str> = required_columns(cost_col).map(|c| COLUMNS[c]).collect();
        let mut next = batches.recv().ok();
        let header = match &next {
            Some(b) if !b.recs.is_empty() => {
                csv_input::header_from_fields(b.fields(&b.recs[0]), COLUMNS, &required, &mut errors)?
            }
            other => {
                match other.as_ref().and_then(|b| b.error.as_ref()) {
                    Some((line, m)) => errors.push(*line, 1, "", m.clone()),
                    None => errors.push(1, 1, "", "the file is empty (expected a header row)".into()),
                }
                csv_input::header_from_fields(std::iter::empty(), COLUMNS, &required, &mut errors)?
            }
        };
        // The cost column not imported is not read.
        let other_cost = if cost_col == C_BILLED { C_EFFECTIVE } else { C_BILLED };
        let mut rows = 0u64;
        let mut skip = 1;
        'batches: while let Some(batch) = next.take() {
            for rec in &batch.recs[skip..] {
                let line = rec.line;
                if rec.len() == 1 && csv_input::trim(batch.field(rec, 0)).is_empty() {
                    continue;
                }
                rows += 1;
                if rows.is_multiple_of(8192) {
                    progress(ImportProgress {
                        bytes_read: done_bytes + batch.bytes_read,
                        total_bytes,
                        rows: self.rows + rows,
                    });
                }
                if rec.len() != header.width {
                    errors.push(
                        line,
                        rec.len().min(header.width) as u64 + 1,
                        "",
                        format!("expected {} fields like the header, found {}", header.width, rec.len()),
                    );
                    if errors.total > 10_000 {
                        break 'batches;
                    }
                    continue;
                }
                let mut cells: Cells = [None; C_USED];
                let mut bad = None;
                for (c, slot) in cells.iter_mut().enumerate() {
                    if c == other_cost {
                        continue;
                    }
                    if let Some(ix) = header.index[c] {
                        match csv_input::cell_text(batch.field(rec, ix)) {
                            Ok(t) => *slot = nullable(t),
                            Err(m) => {
                                bad = Some(RowError::Cell(c, m));
                                break;
                            }
                        }
                    }
                }
                let result = match bad {
                    Some(e) => Err(e),
                    None => self.read_row(&cells, cost_col),
                };
                match result {
                    Ok(()) => {}
                    Err(RowError::Cell(c, m)) => {
                        let ix = header.index[c].unwrap_or(0);
                        errors.push(line, ix as u64 + 1, COLUMNS[c], m);
                    }
                    Err(RowError::Store(e)) => return Err(e),
                }
                if errors.total > 10_000 {
                    break 'batches;
                }
            }
            skip = 0;
            if let Some((line, m)) = &batch.error {
                errors.push(*line, 1, "", m.clone());
                break;
            }
            let _ = free.send(batch);
            next = batches.recv().ok();
        }
        errors.into_result()?;
        self.rows += rows;
        progress(ImportProgress {
            bytes_read: done_bytes + count.load(Ordering::Relaxed),
            total_bytes,
            rows: self.rows,
        });
        Ok(FocusFileReport {
            file: path.display().to_string(),
            rows,
            gzip,
            parquet: false,
        })
    }

    fn cost_col(&self) -> usize {
        match self.column {
            CostColumn::Effective => C_EFFECTIVE,
            CostColumn::Billed => C_BILLED,
        }
    }

    /// Adds one row, given its cells (null cells as `None`), whatever the
    /// file's format.
    fn read_row(&mut self, cells: &Cells, cost_col: usize) -> std::result::Result<(), RowError> {
        let required = |c: usize| -> std::result::Result<&str, RowError> {
            cells[c].ok_or_else(|| RowError::Cell(c, "required, but null".into()))
        };
        let datetime = |c: usize| -> std::result::Result<i64, RowError> {
            parse_datetime(required(c)?).map_err(|m| RowError::Cell(c, m))
        };
        let account_text = required(C_ACCOUNT)?;
        let period = match &self.last_period {
            Some((a, s, e, p))
                if a == account_text
                    && Some(s.as_str()) == cells[C_BP_START]
                    && Some(e.as_str()) == cells[C_BP_END] =>
            {
                Some(*p)
            }
            _ => None,
        };
        let (bp_start, bp_end) = match period {
            Some(_) => (0, 0),
            None => {
                let (bp_start, bp_end) = (datetime(C_BP_START)?, datetime(C_BP_END)?);
                if bp_end < bp_start {
                    return Err(RowError::Cell(
                        C_BP_END,
                        "the billing period ends before it starts".into(),
                    ));
                }
                (bp_start, bp_end)
            }
        };
        let ch_start = datetime(C_CH_START)?;
        let ch_end = datetime(C_CH_END)?;
        let category = required(C_CATEGORY)?;
        let cost_text = required(cost_col)?;
        let cost = Measured::from_canonical(cost_text).map_err(|e| RowError::Cell(cost_col, e.to_string()))?;
        let currency = required(C_CURRENCY)?;
        let service = cells[C_SERVICE].unwrap_or("");
        let tag_set = self
            .tag_set(cells[C_TAGS], cells[C_ALLOCATED])
            .map_err(|(c, m)| RowError::Cell(c, m))?;
        let cost = self
            .convert(cost, currency, epoch_day(ch_start))
            .map_err(|m| RowError::Cell(C_CURRENCY, m))?;
        let period = match period {
            Some(p) => p,
            None => {
                let account = self.accounts.id(account_text);
                let p = self.period(account, bp_start, bp_end)?;
                self.last_period = Some((
                    account_text.to_string(),
                    required(C_BP_START)?.to_string(),
                    required(C_BP_END)?.to_string(),
                    p,
                ));
                p
            }
        };
        let p = &mut self.periods[period as usize];
        p.rows += 1;
        p.total = p.total.checked_add(cost).map_err(StoreError::from)?;
        self.total = self.total.checked_add(cost).map_err(StoreError::from)?;
        let mut key = Key {
            period,
            day: 0,
            tag_set,
            service: self.services.id(service),
            category: self.categories.id(category),
            currency: self.currencies.id(currency),
        };
        let first = epoch_day(ch_start);
        if ch_end >= ch_start && (ch_end == ch_start || epoch_day(ch_end - 1) == first) {
            key.day = first as i32;
            self.add(key, cost)?;
        } else {
            let parts = split_by_days(cost, ch_start, ch_end).map_err(|e| RowError::Cell(C_CH_END, e.to_string()))?;
            for (day, part) in parts {
                key.day = day as i32;
                self.add(key, part)?;
            }
        }
        Ok(())
    }
}

enum RowError {
    Cell(usize, String),
    Store(StoreError),
}

impl From<StoreError> for RowError {
    fn from(e: StoreError) -> RowError {
        RowError::Store(e)
    }
}

/// The rules of a mapping CSV (`tag_key,tag_value,use_case`), checked:
/// every cell present, the use case known, no (key, value) twice.
fn read_rules(conn: &Connection, file: &Path) -> Result<Vec<Rule>> {
    let use_cases = use_case_pks(conn)?;
    let (mut rdr, _) = csv_input::open(file)?;
    let mut errors = Errors::new(file);
    let names = ["tag_key", "tag_value", "use_case"];
    let header = csv_input::read_header(&mut rdr, &names, &names, &mut errors)?;
    let mut rules: Vec<Rule> = vec![];
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    csv_input::each_record(&mut rdr, &mut errors, |line, record, errors| {
        let mut cells = [""; 3];
        let mut ok = true;
        for (k, name) in names.iter().enumerate() {
            let ix = header.index[k].unwrap_or(0);
            match record.get(ix).map(csv_input::cell_text).unwrap_or(Ok("")) {
                Ok("") => {
                    errors.push(line, ix as u64 + 1, name, "required, but empty".into());
                    ok = false;
                }
                Ok(t) => cells[k] = t,
                Err(m) => {
                    errors.push(line, ix as u64 + 1, name, m);
                    ok = false;
                }
            }
        }
        if !ok {
            return true;
        }
        let uc_col = header.index[2].unwrap_or(0) as u64 + 1;
        if !is_slug(cells[2]) || !use_cases.contains_key(cells[2]) {
            errors.push(
                line,
                uc_col,
                "use_case",
                format!("unknown use case '{}' (import it in use_cases.csv first)", cells[2]),
            );
            return true;
        }
        let key = (cells[0].to_lowercase(), cells[1].to_lowercase());
        if let Some(first) = seen.insert(key, line) {
            errors.push(
                line,
                header.index[1].unwrap_or(0) as u64 + 1,
                "tag_value",
                format!("duplicate rule for this tag key and value (also line {first})"),
            );
            return true;
        }
        rules.push(Rule {
            tag_key: cells[0].to_string(),
            tag_value: cells[1].to_string(),
            use_case: cells[2].to_string(),
        });
        true
    });
    errors.into_result()?;
    Ok(rules)
}

/// Imported costs in `[from, to]` (UTC days, inclusive), mapped with `mv`;
/// with `only`, just the lines of those (billing account, billing period
/// start).
fn cost_report(
    conn: &Connection,
    mv: &MappingVersion,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: CostsBy,
    only: Option<&HashSet<(String, String)>>,
) -> Result<CostReport> {
    let use_cases = use_case_pks(conn)?;
    let names: HashMap<i64, String> = use_cases.iter().map(|(k, v)| (*v, k.clone())).collect();
    let sets = resolve_tag_sets(conn, &mv.mapping, &use_cases)?;
    let from_s = from.map(|d| d.to_string()).unwrap_or_default();
    let to_s = to.map(|d| d.to_string()).unwrap_or_else(|| "9999-12-31".into());
    // Without bounds, the table is read in its own order: going through the
    // day index would look every line up again (several times slower).
    let select = "SELECT day, tag_set, service, category, cost, billing_account, billing_period_start FROM cost_lines";
    let mut stmt = if from.is_none() && to.is_none() {
        conn.prepare(select)?
    } else {
        conn.prepare(&format!("{select} WHERE day >= ?1 AND day <= ?2"))?
    };
    let mut rows = if from.is_none() && to.is_none() {
        stmt.query([])?
    } else {
        stmt.query(params![from_s, to_s])?
    };
    let (mut allocated, mut unallocated) = (Measured::ZERO, Measured::ZERO);
    let mut per_uc: BTreeMap<String, Measured> = BTreeMap::new();
    let mut groups: BTreeMap<String, (Measured, Measured)> = BTreeMap::new();
    let mut by_value: HashMap<Option<String>, Measured> = HashMap::new();
    let mut week_of: HashMap<String, String> = HashMap::new();
    let mut by_service: HashMap<String, Measured> = HashMap::new();
    let mut per_pk: HashMap<i64, Measured> = HashMap::new();
    while let Some(r) = rows.next()? {
        if let Some(only) = only {
            if !only.contains(&(r.get(5)?, r.get(6)?)) {
                continue;
            }
        }
        let tag_set: i64 = r.get(1)?;
        let cost = Measured::from_canonical(text_at(r, 4)?).map_err(capcall_core::MoneyError::from)?;
        let (pk, value) = sets.get(&tag_set).map_or((None, None), |(p, v)| (*p, v.as_ref()));
        let pk = pk.filter(|p| names.contains_key(p));
        let group = match by {
            CostsBy::UseCase => None,
            CostsBy::Week => {
                let day = text_at(r, 0)?;
                Some(match week_of.get(day) {
                    Some(w) => w.clone(),
                    None => {
                        let w = week_start(parse_date(day).map_err(StoreError::Invalid)?).to_string();
                        week_of.insert(day.to_string(), w.clone());
                        w
                    }
                })
            }
            CostsBy::Service => Some(r.get::<_, String>(2)?),
            CostsBy::Category => Some(r.get::<_, String>(3)?),
        };
        match pk {
            Some(pk) => {
                add(&mut allocated, cost)?;
                add(per_pk.entry(pk).or_default(), cost)?;
            }
            None => {
                add(&mut unallocated, cost)?;
                match by_value.get_mut(&value.cloned()) {
                    Some(v) => add(v, cost)?,
                    None => {
                        by_value.insert(value.cloned(), cost);
                    }
                }
                let service = text_at(r, 2)?;
                match by_service.get_mut(service) {
                    Some(v) => add(v, cost)?,
                    None => {
                        by_service.insert(service.to_string(), cost);
                    }
                }
            }
        }
        if let Some(g) = group {
            let e = groups.entry(g).or_default();
            add(if pk.is_some() { &mut e.0 } else { &mut e.1 }, cost)?;
        }
    }
    for (pk, cost) in per_pk {
        per_uc.insert(names[&pk].clone(), cost);
    }
    let total = allocated.checked_add(unallocated)?;
    let use_cases: Vec<UseCaseCost> = per_uc.into_iter().map(|(id, cost)| UseCaseCost { id, cost }).collect();
    let groups: Vec<CostGroup> = if by == CostsBy::UseCase {
        let mut g: Vec<CostGroup> = use_cases
            .iter()
            .map(|u| CostGroup {
                key: u.id.clone(),
                allocated: u.cost,
                unallocated: Measured::ZERO,
                total: u.cost,
            })
            .collect();
        g.push(CostGroup {
            key: "(unallocated)".into(),
            allocated: Measured::ZERO,
            unallocated,
            total: unallocated,
        });
        g
    } else {
        groups
            .into_iter()
            .map(|(key, (a, u))| {
                Ok(CostGroup {
                    key,
                    allocated: a,
                    unallocated: u,
                    total: a.checked_add(u)?,
                })
            })
            .collect::<Result<_>>()?
    };
    let mut by_value: Vec<UnallocatedValue> = by_value
        .into_iter()
        .map(|(tag_value, cost)| UnallocatedValue { tag_value, cost })
        .collect();
    by_value.sort_by(|a, b| {
        b.cost
            .as_decimal()
            .abs()
            .cmp(&a.cost.as_decimal().abs())
            .then_with(|| a.tag_value.cmp(&b.tag_value))
    });
    by_value.truncate(20);
    let mut by_service: Vec<UnallocatedService> = by_service
        .into_iter()
        .map(|(service, cost)| UnallocatedService { service, cost })
        .collect();
    by_service.sort_by(|a, b| {
        b.cost
            .as_decimal()
            .abs()
            .cmp(&a.cost.as_decimal().abs())
            .then_with(|| a.service.cmp(&b.service))
    });
    by_service.truncate(20);
    Ok(CostReport {
        currency: portfolio_currency(conn)?,
        from,
        to,
        by,
        total,
        allocated,
        unallocated,
        use_cases,
        groups,
        unallocated_by_tag_value: by_value,
        unallocated_by_service: by_service,
        mapping_version: mv.version,
        tag_key: mv.mapping.tag_key.clone(),
    })
}

/// How many rules differ between two mappings, keyed by (tag key, tag
/// value) with case and surrounding spaces ignored: added, removed, or
/// pointing to another use case; plus one when the default tag key differs.
fn rules_changed(before: &Mapping, after: &Mapping) -> u64 {
    let keyed = |m: &Mapping| -> HashMap<(String, String), String> {
        m.rules
            .iter()
            .map(|r| {
                (
                    (r.tag_key.trim().to_lowercase(), r.tag_value.trim().to_lowercase()),
                    r.use_case.clone(),
                )
            })
            .collect()
    };
    let (b, a) = (keyed(before), keyed(after));
    let differing = a.iter().filter(|(k, uc)| b.get(*k) != Some(*uc)).count();
    let removed = b.keys().filter(|k| !a.contains_key(*k)).count();
    (differing + removed) as u64 + u64::from(!key_matches(&before.tag_key, &after.tag_key))
}

/// What changing the current mapping to `after` would move.
fn mapping_preview(conn: &Connection, after: &Mapping) -> Result<MappingPreview> {
    let mv = current_mapping(conn)?;
    let old = cost_report(conn, &mv, None, None, CostsBy::UseCase, None)?;
    let proposed = MappingVersion {
        mapping: after.clone(),
        ..mv.clone()
    };
    let new = cost_report(conn, &proposed, None, None, CostsBy::UseCase, None)?;
    let mut ids: BTreeMap<String, (Measured, Measured)> = BTreeMap::new();
    for u in &old.use_cases {
        ids.entry(u.id.clone()).or_default().0 = u.cost;
    }
    for u in &new.use_cases {
        ids.entry(u.id.clone()).or_default().1 = u.cost;
    }
    let use_cases = ids
        .into_iter()
        .map(|(id, (before, after))| {
            let difference = after.checked_sub(before)?;
            Ok(MappingMove {
                id,
                before,
                after,
                difference,
                moved: !difference.is_zero(),
            })
        })
        .collect::<Result<_>>()?;
    Ok(MappingPreview {
        currency: old.currency,
        version: mv.version,
        rules_changed: rules_changed(&mv.mapping, after),
        before: mv.mapping,
        after: after.clone(),
        total: old.total,
        use_cases,
        unallocated_before: old.unallocated,
        unallocated_after: new.unallocated,
        unallocated_difference: new.unallocated.checked_sub(old.unallocated)?,
    })
}

/// Sets the mapping's default tag key when it differs (a new, audited version).
fn set_tag_key(conn: &Connection, ctx: &crate::context::Context, key: &str) -> Result<()> {
    let key = key.trim();
    if key.is_empty() {
        return Err(StoreError::Invalid("--tag-key: the tag key is empty".into()));
    }
    let before = current_mapping(conn)?;
    if before.mapping.tag_key == key {
        return Ok(());
    }
    let mut mapping = before.mapping.clone();
    mapping.tag_key = key.to_string();
    save_mapping(conn, ctx, &before, &mapping, &format!("tag key set to '{key}'"))?;
    Ok(())
}

impl Portfolio {
    /// Imports FOCUS cost exports (CSV, `.csv.gz` or Parquet), all files in one
    /// transaction, all or nothing; then re-derives weekly spend.
    pub fn import_focus(
        &mut self,
        files: &[PathBuf],
        options: &FocusOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<FocusReport> {
        Ok(self.run_focus(files, options, progress, false)?.0)
    }

    /// What importing these files would do, without writing anything: the
    /// import runs in a transaction that is rolled back after the costs of
    /// the imported billing periods (per use case, unallocated, by tag value
    /// and by service) are computed with the mapping the import would use.
    /// Located errors exactly as [`Portfolio::import_focus`].
    pub fn preview_focus(
        &mut self,
        files: &[PathBuf],
        options: &FocusOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<FocusPreview> {
        let (import, costs) = self.run_focus(files, options, progress, true)?;
        let costs = costs.ok_or_else(|| StoreError::Invalid("no preview computed".into()))?;
        let unallocated_pct = capcall_core::focus::share_pct(costs.unallocated, costs.total);
        Ok(FocusPreview {
            import,
            costs,
            unallocated_pct,
        })
    }

    fn run_focus(
        &mut self,
        files: &[PathBuf],
        options: &FocusOptions,
        progress: &mut dyn FnMut(ImportProgress),
        dry_run: bool,
    ) -> Result<(FocusReport, Option<CostReport>)> {
        self.require_writer()?;
        if files.is_empty() {
            return Err(StoreError::Invalid("no FOCUS file given".into()));
        }
        let rates = options.rates.as_deref().map(read_rates).transpose()?;
        let total_bytes: u64 = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
            .sum();
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        let result = (|| {
            let tx = crate::db::write_tx(&mut self.conn)?;
            if let Some(key) = &options.tag_key {
                set_tag_key(&tx, &self.ctx, key)?;
            }
            let currency = portfolio_currency(&tx)?;
            let mut run = Run {
                tx: &tx,
                column: options.cost,
                currency: currency.clone(),
                rates,
                accounts: Interner::default(),
                services: Interner::default(),
                categories: Interner::default(),
                currencies: Interner::default(),
                tag_sets: vec![],
                tag_index: FxHashMap::default(),
                tag_cache: FxHashMap::default(),
                tag_key: vec![],
                periods: vec![],
                period_index: FxHashMap::default(),
                last_period: None,
                pending: FxHashMap::default(),
                flushed: false,
                lines: 0,
                total: Measured::ZERO,
                rows: 0,
            };
            let mut reports = vec![];
            let mut done = 0u64;
            for f in files {
                reports.push(run.read_file(f, done, progress, total_bytes)?);
                done += std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            }
            run.flush()?;
            let file_list =
                serde_json::to_string(&reports.iter().map(|r| r.file.as_str()).collect::<Vec<_>>()).unwrap_or_default();
            let mut periods = vec![];
            for p in &run.periods {
                let account = run.accounts.names[p.account as usize].clone();
                let start = format_datetime(p.start);
                let end = format_datetime(p.end);
                tx.execute(
                    "INSERT INTO cost_periods (billing_account, billing_period_start, billing_period_end, cost_column, \
                     rows, total, files, imported_at, imported_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        account,
                        start,
                        end,
                        run.column.column(),
                        p.rows as i64,
                        p.total.to_string(),
                        file_list,
                        self.ctx.now(),
                        self.ctx.actor()
                    ],
                )?;
                periods.push(BillingPeriodReport {
                    billing_account: account,
                    billing_period_start: start,
                    billing_period_end: end,
                    rows: p.rows,
                    total: p.total,
                    replaced: p.replaced,
                });
            }
            let (lines, total, rows) = (run.lines, run.total, run.rows);
            drop(run);
            // Tag sets no stored line uses any more (after a replacement).
            tx.execute(
                "DELETE FROM cost_tag_sets WHERE id NOT IN (SELECT DISTINCT tag_set FROM cost_lines)",
                [],
            )?;
            let changed = derive_spend(&tx)?;
            let mapping_version = current_mapping(&tx)?.version;
            let report = FocusReport {
                files: reports,
                rows,
                cost_column: options.cost.column().to_string(),
                currency,
                total,
                billing_periods: periods,
                lines,
                spend_weeks_changed: changed,
                mapping_version,
            };
            if dry_run {
                let only: HashSet<(String, String)> = report
                    .billing_periods
                    .iter()
                    .map(|b| (b.billing_account.clone(), b.billing_period_start.clone()))
                    .collect();
                let mv = current_mapping(&tx)?;
                let costs = cost_report(&tx, &mv, None, None, CostsBy::UseCase, Some(&only))?;
                drop(tx); // rolled back: nothing written
                return Ok((report, Some(costs)));
            }
            let summary = serde_json::to_string(&report).unwrap_or_default();
            crate::audit::append(&tx, &self.ctx, "import", "focus", "import", None, Some(&summary))?;
            tx.commit()?;
            Ok((report, None))
        })();
        self.conn.pragma_update(None, "cache_size", -8_192)?;
        result
    }

    /// The current mapping rules.
    pub fn mapping(&self) -> Result<MappingVersion> {
        current_mapping(&self.conn)
    }

    /// Every mapping version, oldest first (version 0, the default, is not listed).
    pub fn mapping_versions(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT version FROM cost_mappings ORDER BY version")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What importing this mapping CSV would move (nothing is written).
    pub fn preview_mapping_file(&self, file: &Path) -> Result<MappingPreview> {
        let rules = read_rules(&self.conn, file)?;
        let mut after = current_mapping(&self.conn)?.mapping;
        after.merge(&rules);
        mapping_preview(&self.conn, &after)
    }

    /// What replacing the current mapping by `mapping` would move (nothing
    /// is written). The mapping is checked as [`Portfolio::set_mapping`] does.
    pub fn preview_mapping(&self, mapping: &Mapping) -> Result<MappingPreview> {
        let mapping = self.checked_mapping(mapping)?;
        mapping_preview(&self.conn, &mapping)
    }

    fn checked_mapping(&self, mapping: &Mapping) -> Result<Mapping> {
        let use_cases = use_case_pks(&self.conn)?;
        mapping
            .checked(|id| use_cases.contains_key(id))
            .map_err(StoreError::Invalid)
    }

    /// Replaces the current mapping (the editor's rules and tag key) by a
    /// new, audited version with `reason`, and re-derives weekly spend. The
    /// same mapping again changes nothing (no new version).
    pub fn set_mapping(&mut self, mapping: &Mapping, reason: &str) -> Result<MappingReport> {
        self.require_writer()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "a reason is required to change the mapping (it goes into the audit trail)".into(),
            ));
        }
        let mapping = self.checked_mapping(mapping)?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let before = current_mapping(&tx)?;
        let changed = rules_changed(&before.mapping, &mapping);
        let mut version = before.version;
        let mut weeks = 0;
        if before.mapping != mapping {
            version = save_mapping(&tx, &self.ctx, &before, &mapping, reason)?;
            weeks = derive_spend(&tx)?;
        }
        tx.commit()?;
        Ok(MappingReport {
            file: String::new(),
            rules_read: mapping.rules.len() as u64,
            rules_changed: changed,
            version,
            spend_weeks_changed: weeks,
        })
    }

    /// Imports explicit mapping rules (`tag_key,tag_value,use_case`): rules
    /// are keyed by (tag key, tag value), case and surrounding spaces
    /// ignored; a changed or new rule makes a new, audited mapping version
    /// and re-derives weekly spend. Importing the same file again changes
    /// nothing.
    pub fn import_mapping(&mut self, file: &Path) -> Result<MappingReport> {
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let rules = read_rules(&tx, file)?;
        let before = current_mapping(&tx)?;
        let mut mapping = before.mapping.clone();
        let changed = mapping.merge(&rules);
        let mut version = before.version;
        let mut weeks = 0;
        if changed > 0 {
            let name = file
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            version = save_mapping(
                &tx,
                &self.ctx,
                &before,
                &mapping,
                &format!("rules imported from {name}"),
            )?;
            weeks = derive_spend(&tx)?;
        }
        tx.commit()?;
        Ok(MappingReport {
            file: file.display().to_string(),
            rules_read: rules.len() as u64,
            rules_changed: changed as u64,
            version,
            spend_weeks_changed: weeks,
        })
    }

    /// Imported costs in `[from, to]` (UTC days, inclusive), mapped with the
    /// current mapping.
    pub fn costs(&self, from: Option<NaiveDate>, to: Option<NaiveDate>, by: CostsBy) -> Result<CostReport> {
        let mv = current_mapping(&self.conn)?;
        cost_report(&self.conn, &mv, from, to, by, None)
    }

    /// Imports business metrics (`use_case,period_start,units[,metric]`),
    /// keyed by (use case, period start): the units of that period are
    /// replaced (the observation row is created when absent); other columns
    /// of the observation are kept. All or nothing.
    pub fn import_units(&mut self, file: &Path) -> Result<ImportReport> {
        self.require_writer()?;
        let tx = crate::db::write_tx(&mut self.conn)?;
        let use_cases = use_case_pks(&tx)?;
        let (mut rdr, _) = csv_input::open(file)?;
        let mut errors = Errors::new(file);
        let names = ["use_case", "period_start", "units", "metric"];
        let header = csv_input::read_header(&mut rdr, &names, &names[..3], &mut errors)?;
        let mut seen: HashMap<(i64, NaiveDate), u64> = HashMap::new();
        let mut rows: Vec<(i64, String, i64, Option<String>)> = vec![];
        csv_input::each_record(&mut rdr, &mut errors, |line, record, errors| {
            let col = |k: usize| header.index[k].map_or(1, |i| i as u64 + 1);
            let text = |k: usize| -> std::result::Result<&str, String> {
                match header.index[k] {
                    None => Ok(""),
                    Some(ix) => record.get(ix).map(csv_input::cell_text).unwrap_or(Ok("")),
                }
            };
            let mut ok = true;
            let mut check = |k: usize, r: std::result::Result<(), String>, errors: &mut Errors| {
                if let Err(m) = r {
                    errors.push(line, col(k), names[k], m);
                    ok = false;
                }
            };
            let mut pk = 0;
            let mut date = NaiveDate::MIN;
            let mut units = 0i64;
            check(
                0,
                text(0).and_then(|t| match use_cases.get(t) {
                    Some(p) => {
                        pk = *p;
                        Ok(())
                    }
                    None if t.is_empty() => Err("required, but empty".into()),
                    None => Err(format!("unknown use case '{t}' (import it in use_cases.csv first)")),
                }),
                errors,
            );
            check(
                1,
                text(1).and_then(|t| {
                    if t.is_empty() {
                        return Err("required, but empty".into());
                    }
                    date = parse_date(t)?;
                    Ok(())
                }),
                errors,
            );
            check(
                2,
                text(2).and_then(|t| {
                    if t.is_empty() {
                        return Err("required, but empty".into());
                    }
                    if !t.bytes().all(|c| c.is_ascii_digit()) {
                        return Err(format!("'{t}' is not a whole number >= 0"));
                    }
                    match t.parse::<i64>() {
                        Ok(v) if v <= MAX_UNITS => {
                            units = v;
                            Ok(())
                        }
                        _ => Err(format!("'{t}' is out of range (at most {MAX_UNITS})")),
                    }
                }),
                errors,
            );
            let metric = match text(3) {
                Ok("") => None,
                Ok(t) => Some(t.to_string()),
                Err(m) => {
                    errors.push(line, col(3), "metric", m);
                    ok = false;
                    None
                }
            };
            if !ok {
                return true;
            }
            if let Some(first) = seen.insert((pk, date), line) {
                errors.push(
                    line,
                    col(1),
                    "period_start",
                    format!("duplicate (use_case, period_start) (also line {first})"),
                );
                return true;
            }
            rows.push((pk, date.to_string(), units, metric));
            true
        });
        errors.into_result()?;
        let (mut added, mut replaced) = (0u64, 0u64);
        for (pk, date, units, metric) in &rows {
            let exists: bool = tx
                .query_row(
                    "SELECT 1 FROM observations WHERE use_case = ?1 AND period_start = ?2",
                    params![pk, date],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if exists {
                tx.execute(
                    "UPDATE observations SET units = ?3 WHERE use_case = ?1 AND period_start = ?2",
                    params![pk, date, units],
                )?;
                replaced += 1;
            } else {
                tx.execute(
                    "INSERT INTO observations (use_case, period_start, units) VALUES (?1, ?2, ?3)",
                    params![pk, date, units],
                )?;
                added += 1;
            }
            match metric {
                Some(m) => tx.execute(
                    "INSERT INTO unit_metrics (use_case, period_start, metric) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (use_case, period_start) DO UPDATE SET metric = excluded.metric",
                    params![pk, date, m],
                )?,
                None => tx.execute(
                    "DELETE FROM unit_metrics WHERE use_case = ?1 AND period_start = ?2",
                    params![pk, date],
                )?,
            };
        }
        let report = ImportReport {
            file: file.display().to_string(),
            rows: rows.len() as u64,
            added,
            replaced,
            ignored_columns: header.ignored,
        };
        let summary = serde_json::to_string(&report).unwrap_or_default();
        crate::audit::append(&tx, &self.ctx, "import", "units.csv", "import", None, Some(&summary))?;
        tx.commit()?;
        Ok(report)
    }
}
