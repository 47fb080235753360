//! Tauri commands: each one locks the open portfolio, calls one library
//! function, and maps errors to `{code, message}`. Long work (imports) runs
//! on a blocking thread and streams progress through a channel.

use std::path::PathBuf;

use capcall_core::model::{Observation, UseCase};
use capcall_core::rubric::Score;
use capcall_core::scenario::{self, LineInput, Outcome, Params};
use capcall_core::ucr::{QuarterChange, UcrPoint};
use capcall_store::CsvPreview;
use capcall_store::RubricVersion;
use capcall_store::UcrBy;
use capcall_store::{BoardGrid, BoardLine, BoardQuery, BoardSelection};
use capcall_store::{Code, ImportKind, ImportProgress, ImportReport, Portfolio};
use capcall_store::{Comparison, ParamChanges, Scenario, ScenarioMeta};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;

use crate::{open_into, AppError, AppState};

type Res<T> = Result<T, AppError>;

fn with<T>(state: &AppState, f: impl FnOnce(&mut Portfolio) -> Result<T, capcall_store::StoreError>) -> Res<T> {
    let mut guard = state.portfolio.lock().map_err(|_| AppError::busy())?;
    match guard.as_mut() {
        Some(p) => f(p).map_err(AppError::from),
        None => Err(state.open_error.lock().ok().and_then(|e| e.clone()).unwrap_or_else(|| {
            AppError::new(Code::NoPortfolio, "no portfolio is open; use File > Open or File > New")
        })),
    }
}

fn date(s: Option<String>) -> Res<Option<chrono::NaiveDate>> {
    s.filter(|s| !s.trim().is_empty())
        .map(|s| {
            capcall_store::parse_date(s.trim()).map_err(|m| AppError::new(Code::InvalidInput, format!("as of: {m}")))
        })
        .transpose()
}

#[derive(Serialize, specta::Type)]
pub struct PortfolioInfo {
    pub path: String,
    pub use_cases: u32,
    pub observations: u32,
    pub latest_observation: Option<String>,
    pub approved_scenario: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn portfolio_info(state: State<'_, AppState>) -> Res<PortfolioInfo> {
    with(&state, |p| {
        let (u, o) = p.counts()?;
        Ok(PortfolioInfo {
            path: p.path().display().to_string(),
            use_cases: u as u32,
            observations: o as u32,
            latest_observation: p.latest_observation_date()?.map(|d| d.to_string()),
            approved_scenario: p.approved_scenario()?.map(|s| s.meta.name),
        })
    })
}

/// Saves the board's current view (`query` over the board the UI shows,
/// `snapshot`) as CSV, in the order shown: to `path` when given (tests),
/// else where the user picks in a save dialog. Returns the file written, or
/// `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_board_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    as_of: Option<String>,
    snapshot: Option<u32>,
    query: BoardQuery,
    path: Option<String>,
) -> Res<Option<String>> {
    let as_of = date(as_of)?;
    let text = with_grid(&state, as_of, snapshot, |cache| {
        let rows = cache.select(&query);
        cache.grid.to_csv(&rows.rows).map_err(AppError::from)
    })?;
    let target = match path {
        Some(p) => Some(PathBuf::from(p)),
        None => app
            .dialog()
            .file()
            .add_filter("CSV", &["csv"])
            .set_file_name("portfolio-board.csv")
            .blocking_save_file()
            .and_then(|f| f.into_path().ok()),
    };
    let Some(target) = target else { return Ok(None) };
    capcall_store::write_file(&target, text.as_bytes()).map_err(AppError::from)?;
    Ok(Some(target.display().to_string()))
}

/// The board kept in Rust between a grid's calls (see `board_page`).
pub struct BoardCache {
    /// Names this board for the UI's later calls.
    pub snapshot: u32,
    /// The as-of date asked for (`None`: the latest observation).
    pub asked: Option<chrono::NaiveDate>,
    /// Made ahead at startup and not yet handed to the UI.
    pub prewarmed: bool,
    pub grid: BoardGrid,
    /// The last view asked for, kept for its next pages.
    last: Option<(BoardQuery, std::sync::Arc<BoardSelection>)>,
}

impl BoardCache {
    fn select(&mut self, q: &BoardQuery) -> std::sync::Arc<BoardSelection> {
        if let Some((lq, sel)) = &self.last {
            if lq == q {
                return sel.clone();
            }
        }
        let sel = std::sync::Arc::new(self.grid.select(q));
        self.last = Some((q.clone(), sel.clone()));
        sel
    }
}

static SNAPSHOTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn build_grid(state: &AppState, as_of: Option<chrono::NaiveDate>, prewarmed: bool) -> Res<BoardCache> {
    // The store keeps the last board in the file: a large portfolio opens
    // without re-scoring, unless something was written since.
    let grid: BoardGrid = with(state, |p| p.board_grid(as_of))?;
    Ok(cache_of(grid, as_of, prewarmed))
}

fn cache_of(grid: BoardGrid, as_of: Option<chrono::NaiveDate>, prewarmed: bool) -> BoardCache {
    // Scoring 10,000 use cases reads about a million observations; hand
    // the freed pages back to the system instead of keeping them mapped.
    capcall_store::release_free_memory();
    BoardCache {
        snapshot: SNAPSHOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        asked: as_of,
        prewarmed,
        grid,
        last: None,
    }
}

/// Runs `f` on the board `snapshot` as of `as_of`: the cached one when it
/// matches, the one made ahead at startup for the UI's first call (no
/// snapshot), else a fresh board from the portfolio.
fn with_grid<T>(
    state: &AppState,
    as_of: Option<chrono::NaiveDate>,
    snapshot: Option<u32>,
    f: impl FnOnce(&mut BoardCache) -> Res<T>,
) -> Res<T> {
    let mut slot = state.board.lock().map_err(|_| AppError::busy())?;
    let reuse = slot.as_mut().is_some_and(|c| {
        c.asked == as_of
            && match snapshot {
                Some(s) => c.snapshot == s,
                None => std::mem::take(&mut c.prewarmed),
            }
    });
    if !reuse {
        *slot = None; // the old board's memory goes before the new one is made
        *slot = Some(build_grid(state, as_of, false)?);
    }
    let cache = slot
        .as_mut()
        .ok_or_else(|| AppError::new(Code::Internal, "board cache"))?;
    f(cache)
}

/// Makes the board of the latest observation ahead of the UI's first call
/// (at startup, while the window and the web view start).
pub fn prewarm_board(state: &AppState) {
    let Ok(mut slot) = state.board.lock() else { return };
    if slot.is_some() {
        return;
    }
    crate::mark("prewarm start");
    // The board goes to the UI as soon as it is made; keeping a copy in the
    // file (a first open after a change) happens after, with the portfolio
    // still locked but the board free.
    let _ = with(state, |p| {
        p.board_grid_then(None, |grid| {
            *slot = Some(cache_of(grid, None, true));
            drop(slot);
            crate::mark("prewarm ready");
        })
    });
    crate::mark("prewarm done");
}

/// Drops the cached board (another portfolio, or its data replaced).
pub fn forget_board(state: &AppState) {
    if let Ok(mut b) = state.board.lock() {
        *b = None;
    }
}

/// One window of the board as a grid draws it: the header figures of the
/// whole portfolio, how many rows `query` keeps (and their verdicts), and
/// rows `offset..offset + limit` of that view (at most 500). The board stays
/// in Rust: `snapshot: null` asks for the current board (a new snapshot), a
/// snapshot number for more windows or other views of that same board.
#[derive(Serialize, specta::Type)]
pub struct BoardPage {
    pub snapshot: u32,
    pub as_of: Option<chrono::NaiveDate>,
    pub rubric_version: u32,
    pub rubric_name: String,
    /// The dimensions of every row's `lights`, in order.
    pub dimensions: Vec<capcall_core::rubric::Dimension>,
    /// Their display names, in the same order (core's `Dimension::label`).
    pub dimension_labels: Vec<String>,
    /// Totals of the whole portfolio.
    pub totals: capcall_core::board::BoardTotals,
    pub unallocated_cost_usd: Option<capcall_core::money::Measured>,
    /// The approved scenario rows' `vs_approved` refer to.
    pub approved_scenario: Option<String>,
    /// The filters' choices, in locale order.
    pub waves: Vec<String>,
    pub regions: Vec<String>,
    /// Rows the query keeps, and their overall verdicts counted.
    pub count: u32,
    pub expand: u32,
    pub hold: u32,
    pub retire: u32,
    /// Where `rows` start in the view.
    pub offset: u32,
    pub rows: Vec<BoardLine>,
}

/// The most rows one `board_page` returns.
const PAGE_MAX: u32 = 500;

#[tauri::command]
#[specta::specta]
pub async fn board_page(
    state: State<'_, AppState>,
    as_of: Option<String>,
    snapshot: Option<u32>,
    query: BoardQuery,
    offset: u32,
    limit: u32,
) -> Res<BoardPage> {
    crate::mark("board_page asked");
    let as_of = date(as_of)?;
    with_grid(&state, as_of, snapshot, |cache| {
        crate::mark("board_page has grid");
        let sel = cache.select(&query);
        let g = &cache.grid;
        let start = (offset as usize).min(sel.rows.len());
        let end = start.saturating_add(limit.min(PAGE_MAX) as usize).min(sel.rows.len());
        Ok(BoardPage {
            snapshot: cache.snapshot,
            as_of: g.as_of,
            rubric_version: g.rubric_version,
            rubric_name: g.rubric_name.clone(),
            dimensions: g.dimensions.clone(),
            dimension_labels: g.dimensions.iter().map(|d| d.label().to_string()).collect(),
            totals: g.totals.clone(),
            unallocated_cost_usd: g.unallocated_cost_usd,
            approved_scenario: g.approved_scenario.clone(),
            waves: g.waves.clone(),
            regions: g.regions.clone(),
            count: sel.rows.len() as u32,
            expand: sel.expand,
            hold: sel.hold,
            retire: sel.retire,
            offset: start as u32,
            rows: sel.rows[start..end]
                .iter()
                .map(|&i| g.lines[i as usize].clone())
                .collect(),
        })
    })
}

/// Every use case's id and name, by id (pickers).
#[derive(Serialize, specta::Type)]
pub struct UseCaseChoice {
    pub id: String,
    pub name: String,
}

#[tauri::command]
#[specta::specta]
pub async fn use_case_choices(state: State<'_, AppState>) -> Res<Vec<UseCaseChoice>> {
    with(&state, |p| {
        Ok(p.use_cases()?
            .into_iter()
            .map(|u| UseCaseChoice {
                id: u.use_case.id,
                name: u.use_case.name,
            })
            .collect())
    })
}

/// One use case's score with every explanation (the board's tooltips).
#[tauri::command]
#[specta::specta]
pub async fn board_row_score(state: State<'_, AppState>, as_of: Option<String>, id: String) -> Res<Score> {
    let as_of = date(as_of)?;
    with(&state, |p| Ok(p.score(as_of, Some(&id), None)?.scores.remove(0)))
}

#[derive(Serialize, specta::Type)]
pub struct UseCaseDetail {
    pub use_case: UseCase,
    pub score: Score,
    pub observations: Vec<Observation>,
    pub ucr_by_quarter: Vec<UcrPoint>,
    pub ucr_by_month: Vec<UcrPoint>,
    /// The labelled q/q UCR figure (last complete quarter vs the one before;
    /// the quarter in progress reported as partial), from the core.
    pub ucr_change: QuarterChange,
    /// The use case's incidents, oldest first.
    pub incidents: Vec<capcall_core::incident::Incident>,
}

#[tauri::command]
#[specta::specta]
pub async fn use_case_detail(state: State<'_, AppState>, id: String, as_of: Option<String>) -> Res<UseCaseDetail> {
    let as_of = date(as_of)?;
    with(&state, |p| {
        let use_case = p.use_case(&id)?;
        let observations = p.observations(&id)?;
        let score = p.score(as_of, Some(&id), None)?.scores.remove(0);
        let ucr_change = capcall_core::ucr::quarter_change(&observations, score.as_of)
            .map_err(|e| capcall_store::StoreError::Invalid(format!("use case {id}: UCR: {e}")))?;
        let incidents = p.incidents(capcall_core::incident::DateRange::default(), Some(&id))?;
        Ok(UseCaseDetail {
            incidents,
            ucr_change,
            ucr_by_quarter: p.ucr(&id, UcrBy::Quarter)?,
            ucr_by_month: p.ucr(&id, UcrBy::Month)?,
            use_case,
            score,
            observations,
        })
    })
}

/// Native file dialog for a CSV to import; `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_csv(app: AppHandle) -> Res<Option<String>> {
    let picked = app.dialog().file().add_filter("CSV", &["csv"]).blocking_pick_file();
    Ok(picked.and_then(|f| f.into_path().ok()).map(|p| p.display().to_string()))
}

#[tauri::command]
#[specta::specta]
pub async fn preview_csv(path: String) -> Res<CsvPreview> {
    Ok(capcall_store::preview_csv(&PathBuf::from(path), 8)?)
}

/// What an import did; `costs` for FOCUS imports (totals, billing periods,
/// weeks whose spend changed).
#[derive(Serialize, specta::Type)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub costs: Option<capcall_store::FocusReport>,
}

/// Imports a CSV all-or-nothing off the main thread, streaming progress.
#[tauri::command]
#[specta::specta]
pub async fn import_csv(
    app: AppHandle,
    what: ImportKind,
    path: String,
    on_progress: Channel<ImportProgress>,
) -> Res<ImportOutcome> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        with(&state, |p| {
            let file = PathBuf::from(path.trim());
            let mut progress = |pr: ImportProgress| {
                let _ = on_progress.send(pr);
            };
            if what == ImportKind::Focus {
                // Several FOCUS files at once, separated by `;`.
                let files: Vec<PathBuf> = path
                    .split(';')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(PathBuf::from)
                    .collect();
                let costs = p.import_focus(&files, &Default::default(), &mut progress)?;
                return Ok(ImportOutcome {
                    report: ImportReport::from(&costs),
                    costs: Some(costs),
                });
            }
            let report = p.import(what, &file, &mut progress)?;
            Ok(ImportOutcome { report, costs: None })
        })
    })
    .await
    .map_err(|e| AppError::new(Code::Internal, e.to_string()))?
}

#[tauri::command]
#[specta::specta]
pub async fn scenarios(state: State<'_, AppState>) -> Res<Vec<ScenarioMeta>> {
    with(&state, |p| p.scenarios())
}

/// A scenario's inputs and its current result.
#[derive(Serialize, specta::Type)]
pub struct ScenarioView {
    pub scenario: Scenario,
    pub outcome: Outcome,
}

/// A scenario opened in the modeller: its inputs, result, and each use
/// case's wave, region and owner (for search and filters).
#[derive(Serialize, specta::Type)]
pub struct ModellerView {
    pub scenario: Scenario,
    /// Whether the scenario may change (core's `ScenarioStatus::is_editable`):
    /// false for an approved or superseded one, whose every control is read-only.
    pub editable: bool,
    pub outcome: scenario::LiveOutcome,
    pub groups: Vec<capcall_store::LineGroup>,
}

/// What a save in the modeller returns: the scenario's parameters, the line
/// as stored (for a line edit), and the new result in compact form, so a
/// save at 10,000 lines does not send every line back.
#[derive(Serialize, specta::Type)]
pub struct ModellerSaved {
    pub meta: ScenarioMeta,
    /// As in `ModellerView`.
    pub editable: bool,
    pub line: Option<LineInput>,
    pub live: scenario::LiveOutcome,
}

/// Opens a scenario in the modeller (and keeps its lines for `recompute_live`).
#[tauri::command]
#[specta::specta]
pub async fn modeller_open(state: State<'_, AppState>, name: String) -> Res<ModellerView> {
    let view = with(&state, |p| {
        let scenario = p.scenario(&name)?;
        let outcome = scenario::LiveOutcome::from(&scenario::run(&scenario.lines, &scenario.meta.params)?);
        Ok(ModellerView {
            editable: scenario.meta.status.is_editable(),
            groups: p.line_groups()?,
            scenario,
            outcome,
        })
    })?;
    remember(&state, &view.scenario, &view.outcome);
    Ok(view)
}

/// Saves one line from the modeller; returns it as stored and the new result.
#[tauri::command]
#[specta::specta]
pub async fn modeller_save_line(state: State<'_, AppState>, name: String, line: LineInput) -> Res<ModellerSaved> {
    let id = line.use_case.clone();
    let scenario = with(&state, |p| p.scenario_set_line(&name, line))?;
    let live = scenario::LiveOutcome::from(&scenario::run(&scenario.lines, &scenario.meta.params)?);
    let saved = scenario.lines.iter().find(|l| l.use_case == id).cloned();
    remember(&state, &scenario, &live);
    Ok(ModellerSaved {
        editable: scenario.meta.status.is_editable(),
        meta: scenario.meta,
        line: saved,
        live,
    })
}

/// Saves the modeller's parameters; returns the new result.
#[tauri::command]
#[specta::specta]
pub async fn modeller_save_params(
    state: State<'_, AppState>,
    name: String,
    changes: ParamChanges,
) -> Res<ModellerSaved> {
    let scenario = with(&state, |p| {
        p.scenario_save_params(&name, &changes)?;
        p.scenario(&name)
    })?;
    let live = scenario::LiveOutcome::from(&scenario::run(&scenario.lines, &scenario.meta.params)?);
    remember(&state, &scenario, &live);
    Ok(ModellerSaved {
        editable: scenario.meta.status.is_editable(),
        meta: scenario.meta,
        line: None,
        live,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn scenario(state: State<'_, AppState>, name: String) -> Res<ScenarioView> {
    let view = with(&state, |p| {
        let scenario = p.scenario(&name)?;
        let outcome = scenario::run(&scenario.lines, &scenario.meta.params)?;
        Ok(ScenarioView { scenario, outcome })
    })?;
    remember(&state, &view.scenario, &scenario::LiveOutcome::from(&view.outcome));
    Ok(view)
}

/// Keeps the saved lines of the scenario on screen, so that a keystroke
/// sends only the lines being edited (`recompute_live`).
fn remember(state: &AppState, scenario: &Scenario, result: &scenario::LiveOutcome) {
    if let Ok(mut m) = state.modeller.lock() {
        *m = Some(crate::Modeller {
            name: scenario.meta.name.clone(),
            lines: scenario.lines.clone(),
            saved: result.lines.clone(),
        });
    }
}

/// The modeller's recompute while typing: the saved lines of scenario
/// `name` with `edits` (unsaved lines) in their place, under `params`.
/// Nothing is saved; only the edited lines cross from the UI, and every
/// total plus one compact result per line (in the scenario's order) come back.
#[tauri::command]
#[specta::specta]
pub async fn recompute_live(
    state: State<'_, AppState>,
    name: String,
    edits: Vec<LineInput>,
    params: Params,
) -> Res<scenario::LiveDelta> {
    let mut cache = state.modeller.lock().map_err(|_| AppError::busy())?;
    if cache.as_ref().is_none_or(|m| m.name != name) {
        let sc = with(&state, |p| p.scenario(&name))?;
        let saved = scenario::LiveOutcome::from(&scenario::run(&sc.lines, &sc.meta.params)?).lines;
        *cache = Some(crate::Modeller {
            name,
            lines: sc.lines,
            saved,
        });
    }
    let m = cache.as_mut().ok_or_else(AppError::busy)?;
    Ok(scenario::run_edited(&mut m.lines, &edits, &params)?.delta_from(&m.saved))
}

/// Pure recompute of edited inputs (nothing saved): the modeller calls this
/// on every keystroke.
#[tauri::command]
#[specta::specta]
pub async fn recompute(lines: Vec<LineInput>, params: Params) -> Res<Outcome> {
    Ok(scenario::run(&lines, &params)?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_line(state: State<'_, AppState>, name: String, line: LineInput) -> Res<ScenarioView> {
    let view = with(&state, |p| {
        let scenario = p.scenario_set_line(&name, line)?;
        let outcome = scenario::run(&scenario.lines, &scenario.meta.params)?;
        Ok(ScenarioView { scenario, outcome })
    })?;
    remember(&state, &view.scenario, &scenario::LiveOutcome::from(&view.outcome));
    Ok(view)
}

#[tauri::command]
#[specta::specta]
pub async fn save_params(state: State<'_, AppState>, name: String, changes: ParamChanges) -> Res<ScenarioView> {
    let view = with(&state, |p| {
        let outcome = p.scenario_save_params(&name, &changes)?;
        Ok(ScenarioView {
            scenario: p.scenario(&name)?,
            outcome,
        })
    })?;
    remember(&state, &view.scenario, &scenario::LiveOutcome::from(&view.outcome));
    Ok(view)
}

#[tauri::command]
#[specta::specta]
pub async fn new_scenario(state: State<'_, AppState>, name: String, as_of: Option<String>) -> Res<ScenarioMeta> {
    let as_of = date(as_of)?;
    with(&state, |p| p.scenario_new(&name, as_of).map(|s| s.meta))
}

#[tauri::command]
#[specta::specta]
pub async fn clone_scenario(state: State<'_, AppState>, from: String, to: String) -> Res<ScenarioMeta> {
    with(&state, |p| p.scenario_clone(&from, &to).map(|s| s.meta))
}

#[tauri::command]
#[specta::specta]
pub async fn approve_scenario(state: State<'_, AppState>, name: String) -> Res<ScenarioMeta> {
    with(&state, |p| p.scenario_approve(&name))
}

#[tauri::command]
#[specta::specta]
pub async fn compare_scenarios(state: State<'_, AppState>, a: String, b: String) -> Res<Comparison> {
    with(&state, |p| p.scenario_compare(&a, &b))
}

/// Every rubric setting with its label and range, from the core.
#[tauri::command]
#[specta::specta]
pub async fn rubric_settings_info() -> Res<Vec<capcall_core::rubric::SettingInfo>> {
    Ok(capcall_core::rubric::RubricSettings::info())
}

#[tauri::command]
#[specta::specta]
pub async fn rubric_versions(state: State<'_, AppState>) -> Res<Vec<RubricVersion>> {
    with(&state, |p| p.rubric_versions())
}

/// One threshold change.
#[derive(Deserialize, specta::Type)]
pub struct SettingChange {
    pub key: String,
    pub value: String,
}

#[tauri::command]
#[specta::specta]
pub async fn set_rubric(state: State<'_, AppState>, changes: Vec<SettingChange>, note: String) -> Res<RubricVersion> {
    let changes: Vec<(String, String)> = changes.into_iter().map(|c| (c.key, c.value)).collect();
    with(&state, |p| p.set_rubric(&changes, &note))
}

/// File > Open: pick a portfolio file and open it. `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn open_portfolio_dialog(app: AppHandle) -> Res<Option<String>> {
    let picked = app
        .dialog()
        .file()
        .add_filter("Capcall portfolio", &["sqlite", "db"])
        .blocking_pick_file();
    let Some(path) = picked.and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    release(&state)?;
    open_into(&state, &path, false)?;
    Ok(Some(path.display().to_string()))
}

/// File > New: choose where to save a new, empty portfolio.
#[tauri::command]
#[specta::specta]
pub async fn new_portfolio_dialog(app: AppHandle) -> Res<Option<String>> {
    let picked = app
        .dialog()
        .file()
        .add_filter("Capcall portfolio", &["sqlite"])
        .set_file_name("portfolio.sqlite")
        .blocking_save_file();
    let Some(path) = picked.and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    release(&state)?;
    Portfolio::create(&path, capcall_store::system_context()).map_err(AppError::from)?;
    open_into(&state, &path, false)?;
    Ok(Some(path.display().to_string()))
}

/// Closes the open portfolio (releasing its writer lock) before switching.
fn release(state: &AppState) -> Res<()> {
    *state.portfolio.lock().map_err(|_| AppError::busy())? = None;
    Ok(())
}

/// Replaces the open portfolio's data with the demo portfolio.
#[tauri::command]
#[specta::specta]
pub async fn reset_demo(state: State<'_, AppState>) -> Res<()> {
    forget(&state);
    with(&state, |p| p.load_demo())
}

/// Drops the modeller's cached lines (another portfolio, or its data replaced).
pub fn forget(state: &AppState) {
    if let Ok(mut m) = state.modeller.lock() {
        *m = None;
    }
    forget_board(state);
}

// ---------------------------------------------------------------- decisions

#[tauri::command]
#[specta::specta]
pub async fn decisions(state: State<'_, AppState>) -> Res<Vec<capcall_store::DecisionView>> {
    with(&state, |p| p.decisions())
}

#[tauri::command]
#[specta::specta]
pub async fn add_decision(
    state: State<'_, AppState>,
    decision: capcall_store::NewDecision,
) -> Res<capcall_core::decision::Decision> {
    with(&state, |p| p.decision_add(decision))
}

#[tauri::command]
#[specta::specta]
pub async fn move_decision(
    state: State<'_, AppState>,
    id: String,
    to: capcall_core::decision::Status,
) -> Res<capcall_core::decision::Decision> {
    with(&state, |p| p.decision_move(&id, to))
}

/// Rejects a decision with the reason the user gave (recorded, shown in the log).
#[tauri::command]
#[specta::specta]
pub async fn reject_decision(
    state: State<'_, AppState>,
    id: String,
    reason: String,
) -> Res<capcall_core::decision::Decision> {
    with(&state, |p| p.decision_reject(&id, &reason))
}

/// One Draft decision per Expand and Retire path of a scenario (and Holds
/// with a work-off when asked), filled in from the scenario.
#[tauri::command]
#[specta::specta]
pub async fn draft_decisions(
    state: State<'_, AppState>,
    scenario: String,
    include_holds: bool,
) -> Res<capcall_store::DraftReport> {
    with(&state, |p| {
        p.decision_draft_from_scenario(&scenario, None, include_holds)
    })
}

/// The governance gaps of a scenario (default: the approved one).
#[tauri::command]
#[specta::specta]
pub async fn governance_check(
    state: State<'_, AppState>,
    scenario: Option<String>,
) -> Res<capcall_core::governance::GovernanceCheck> {
    with(&state, |p| p.governance_check(scenario.as_deref()))
}

#[tauri::command]
#[specta::specta]
pub async fn supersede_decision(
    state: State<'_, AppState>,
    id: String,
    by: String,
) -> Res<capcall_core::decision::Decision> {
    with(&state, |p| p.decision_supersede(&id, &by))
}

/// Parses a guardrail as the user types: the canonical text, or the column of the fault.
#[tauri::command]
#[specta::specta]
pub async fn parse_guardrail(text: String) -> Result<String, capcall_core::decision::GuardrailError> {
    capcall_core::decision::Guardrail::parse(&text).map(|g| g.to_string())
}

#[tauri::command]
#[specta::specta]
pub async fn audit_history(
    state: State<'_, AppState>,
    entity: Option<String>,
    id: Option<String>,
) -> Res<Vec<capcall_store::AuditEntry>> {
    with(&state, |p| p.audit_history(entity.as_deref(), id.as_deref(), 200))
}

#[tauri::command]
#[specta::specta]
pub async fn audit_verify(state: State<'_, AppState>) -> Res<capcall_store::Verification> {
    with(&state, |p| p.audit_verify(None))
}

// ---------------------------------------------------------------- plan and export

#[tauri::command]
#[specta::specta]
pub async fn plan(state: State<'_, AppState>) -> Res<Option<capcall_store::StoredPlan>> {
    with(&state, |p| p.plan_latest(false))
}

#[tauri::command]
#[specta::specta]
pub async fn build_plan(state: State<'_, AppState>) -> Res<capcall_store::StoredPlan> {
    with(&state, |p| p.plan_build())
}

/// Approves the draft plan; with open governance gaps only when
/// `accept_gaps` gives the reason (recorded with the approval).
#[tauri::command]
#[specta::specta]
pub async fn approve_plan(state: State<'_, AppState>, accept_gaps: Option<String>) -> Res<capcall_store::StoredPlan> {
    with(&state, |p| {
        p.plan_approve_with(accept_gaps.as_deref().filter(|r| !r.trim().is_empty()))
    })
}

// ---------------------------------------------------------------- editing

/// Creates a use case, validated as the importer validates.
#[tauri::command]
#[specta::specta]
pub async fn add_use_case(state: State<'_, AppState>, use_case: capcall_store::NewUseCase) -> Res<capcall_store::Edit> {
    with(&state, |p| p.use_case_add(use_case))
}

/// Sets one `use_cases.csv` field of a use case (budget as whole cents).
#[tauri::command]
#[specta::specta]
pub async fn set_use_case(
    state: State<'_, AppState>,
    id: String,
    field: String,
    value: String,
    reason: Option<String>,
) -> Res<capcall_store::Edit> {
    with(&state, |p| p.use_case_set(&id, &field, &value, reason.as_deref()))
}

/// Writes a scenario as one self-describing file (to `path`, else where the
/// user picks); `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_scenario_file(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    path: Option<String>,
) -> Res<Option<String>> {
    let target = match path {
        Some(p) => Some(PathBuf::from(p)),
        None => app
            .dialog()
            .file()
            .add_filter("Capcall scenario", &["json"])
            .set_file_name(format!("{name}.capcall-scenario.json"))
            .blocking_save_file()
            .and_then(|f| f.into_path().ok()),
    };
    let Some(target) = target else { return Ok(None) };
    with(&state, |p| p.scenario_export(&name, &target))?;
    Ok(Some(target.display().to_string()))
}

/// File › Open scenario…: a scenario file lands as a draft, with what changed
/// in this portfolio since it was made; `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn open_scenario_file(
    app: AppHandle,
    state: State<'_, AppState>,
    path: Option<String>,
    as_name: Option<String>,
) -> Res<Option<capcall_store::OpenedScenario>> {
    let source = match path {
        Some(p) => Some(PathBuf::from(p)),
        None => app
            .dialog()
            .file()
            .add_filter("Capcall scenario", &["json"])
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok()),
    };
    let Some(source) = source else { return Ok(None) };
    with(&state, |p| {
        p.scenario_open(&source, as_name.as_deref().filter(|n| !n.trim().is_empty()))
    })
    .map(Some)
}

/// How a draft scenario's lines differ from the portfolio now (budgets
/// edited, use cases retired, removed or added since it was made).
#[tauri::command]
#[specta::specta]
pub async fn scenario_drift(state: State<'_, AppState>, name: String) -> Res<Vec<capcall_store::LineDrift>> {
    with(&state, |p| p.scenario_drift(&name))
}

/// Removes a use case nothing approved refers to; otherwise a conflict that
/// names what refers to it (the app then offers retiring instead).
#[tauri::command]
#[specta::specta]
pub async fn remove_use_case(
    state: State<'_, AppState>,
    id: String,
    reason: Option<String>,
) -> Res<capcall_store::Edit> {
    with(&state, |p| p.use_case_remove(&id, reason.as_deref()))
}

/// Retires a use case from a sunset date, with a reason.
#[tauri::command]
#[specta::specta]
pub async fn retire_use_case(
    state: State<'_, AppState>,
    id: String,
    sunset: String,
    reason: String,
) -> Res<capcall_store::Edit> {
    let sunset = capcall_core::period::parse_iso_date(&sunset)
        .map_err(|m| AppError::new(Code::InvalidInput, format!("sunset date: {m}")))?;
    with(&state, |p| p.use_case_retire(&id, sunset, &reason))
}

/// Corrects one cell of an observation row, with a reason.
#[tauri::command]
#[specta::specta]
pub async fn correct_observation(
    state: State<'_, AppState>,
    use_case: String,
    period_start: String,
    field: String,
    value: String,
    reason: String,
) -> Res<capcall_store::Edit> {
    let period = capcall_core::period::parse_iso_date(&period_start)
        .map_err(|m| AppError::new(Code::InvalidInput, format!("period_start: {m}")))?;
    with(&state, |p| {
        p.observation_correct(&use_case, period, &field, &value, &reason)
    })
}

/// Undoes an edit exactly (refused as a conflict if the record moved on).
#[tauri::command]
#[specta::specta]
pub async fn undo_edit(state: State<'_, AppState>, edit: capcall_store::Edit) -> Res<capcall_store::Edit> {
    with(&state, |p| p.edit_undo(&edit))
}

/// Redoes an undone edit exactly.
#[tauri::command]
#[specta::specta]
pub async fn redo_edit(state: State<'_, AppState>, edit: capcall_store::Edit) -> Res<capcall_store::Edit> {
    with(&state, |p| p.edit_redo(&edit))
}

/// Your name, recorded on approvals and in the audit trail.
#[tauri::command]
#[specta::specta]
pub async fn user_name() -> Res<String> {
    Ok(capcall_store::whoami())
}

#[tauri::command]
#[specta::specta]
pub async fn set_user_name(state: State<'_, AppState>, name: String) -> Res<String> {
    capcall_store::ConfigFile::system()
        .set("user.name", &name)
        .map_err(AppError::from)?;
    // The open portfolio records the new name from now on.
    let ctx = capcall_store::system_context();
    let actor = ctx.actor().to_string();
    if let Ok(mut slot) = state.portfolio.lock() {
        if let Some(p) = slot.as_mut() {
            p.set_context(ctx);
        }
    }
    Ok(actor)
}

/// Native folder dialog for the export; `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_folder(app: AppHandle) -> Res<Option<String>> {
    let picked = app.dialog().file().blocking_pick_folder();
    Ok(picked.and_then(|f| f.into_path().ok()).map(|p| p.display().to_string()))
}

/// Writes the board pack into `dir` off the main thread (files written only here, in Rust).
/// With `scenario`, the board's pre-read: that scenario's plan built in memory,
/// DRAFT on every page (nothing stored, no approval needed).
#[tauri::command]
#[specta::specta]
pub async fn export_pack(
    app: AppHandle,
    dir: String,
    formats: capcall_export::Formats,
    draft: bool,
    scenario: Option<String>,
) -> Res<capcall_export::ExportReport> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        with(&state, |p| match &scenario {
            Some(name) => capcall_export::export_scenario(p, &PathBuf::from(&dir), formats, name),
            None => capcall_export::export(p, &PathBuf::from(&dir), formats, draft),
        })
    })
    .await
    .map_err(|e| AppError::new(Code::Internal, e.to_string()))?
}

/// Opens a folder in the system file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_folder(app: AppHandle, dir: String) -> Res<()> {
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(dir, None::<&str>)
        .map_err(|e| AppError::new(Code::Io, e.to_string()))
}

/// The UI calls this once, when the portfolio board is first drawn, with
/// the page's own timeline (`performance` marks: name, ms since the page's
/// time origin). With `CAPCALL_BENCH_STARTUP=1` the app prints the time from
/// process start (bench/app.sh reads it) and the page's marks placed on the
/// same clock; otherwise it does nothing.
#[tauri::command]
#[specta::specta]
pub async fn board_drawn(page_marks: Vec<(String, f64)>) -> Res<()> {
    let now = crate::mark("board drawn");
    if let (Some(now), Some((_, drawn_at))) = (now, page_marks.last()) {
        // The page's time origin on the process clock, give or take this
        // call; whole ms (WebKit's page clock is coarsened to 1 ms anyway).
        let origin = now - *drawn_at as i64;
        crate::mark_at("page time origin", origin);
        for (name, at) in &page_marks {
            crate::mark_at(&format!("page: {name}"), origin + *at as i64);
        }
    }
    Ok(())
}

// ---- FOCUS import preview and the cost mapping editor -----------------------

/// Native file dialog for FOCUS cost exports (CSV, `.csv.gz`, Parquet),
/// several at once; `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_focus_files(app: AppHandle) -> Res<Option<Vec<String>>> {
    let picked = app
        .dialog()
        .file()
        .add_filter("FOCUS cost export", &["csv", "gz", "parquet"])
        .blocking_pick_files();
    Ok(picked.map(|files| {
        files
            .into_iter()
            .filter_map(|f| f.into_path().ok())
            .map(|p| p.display().to_string())
            .collect()
    }))
}

fn focus_files(path: &str) -> Vec<PathBuf> {
    path.split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// What importing these FOCUS files (separated by `;`) would do, without
/// writing anything: cost per use case, unallocated (share, top tag values,
/// services). Streams progress like the import.
#[tauri::command]
#[specta::specta]
pub async fn preview_focus(
    app: AppHandle,
    path: String,
    on_progress: Channel<ImportProgress>,
) -> Res<capcall_store::FocusPreview> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        with(&state, |p| {
            let mut progress = |pr: ImportProgress| {
                let _ = on_progress.send(pr);
            };
            p.preview_focus(&focus_files(&path), &Default::default(), &mut progress)
        })
    })
    .await
    .map_err(|e| AppError::new(Code::Internal, e.to_string()))?
}

/// The cost mapping editor's data: the current mapping, the use case ids a
/// rule may point to, and the imported costs under the mapping.
#[derive(Serialize, specta::Type)]
pub struct MappingView {
    pub current: capcall_store::MappingVersion,
    pub use_cases: Vec<String>,
    /// Each use case's name, in the order of `use_cases` (what the choices show).
    pub use_case_names: Vec<String>,
    pub costs: capcall_store::CostReport,
}

#[tauri::command]
#[specta::specta]
pub async fn cost_mapping(state: State<'_, AppState>) -> Res<MappingView> {
    with(&state, |p| {
        let (use_cases, use_case_names) = p
            .use_cases()?
            .into_iter()
            .map(|u| (u.use_case.id, u.use_case.name))
            .unzip();
        Ok(MappingView {
            current: p.mapping()?,
            use_cases,
            use_case_names,
            costs: p.costs(None, None, capcall_store::CostsBy::UseCase)?,
        })
    })
}

/// What replacing the mapping by `mapping` would move; nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn preview_mapping(
    state: State<'_, AppState>,
    mapping: capcall_core::focus::Mapping,
) -> Res<capcall_store::MappingPreview> {
    with(&state, |p| p.preview_mapping(&mapping))
}

/// Applies `mapping` as a new, audited version with `reason`.
#[tauri::command]
#[specta::specta]
pub async fn set_mapping(
    state: State<'_, AppState>,
    mapping: capcall_core::focus::Mapping,
    reason: String,
) -> Res<capcall_store::MappingReport> {
    with(&state, |p| p.set_mapping(&mapping, &reason))
}
