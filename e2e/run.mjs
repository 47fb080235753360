// End-to-end journey of the real Capcall app: tauri-driver drives the built
// binary through WebKitWebDriver (W3C WebDriver over HTTP, no extra deps).
// Every click goes through the real UI and real IPC into the real library.
//
// usage: node e2e/run.mjs <app-binary> <capcall-cli-binary>
// env:   E2E_SCREENSHOTS (default e2e/screenshots), TAURI_DRIVER (default tauri-driver)
import { spawn, execFileSync } from "node:child_process";
import zlib from "node:zlib";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [app, cli] = process.argv.slice(2).map((p) => path.resolve(p));
if (!app || !cli) throw new Error("usage: node e2e/run.mjs <app-binary> <capcall-cli-binary>");
const shots = path.resolve(process.env.E2E_SCREENSHOTS ?? "e2e/screenshots");
fs.mkdirSync(shots, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "capcall-e2e-"));
const db = path.join(work, "portfolio.sqlite");
const exportDir = path.join(work, "board-pack");
// E2E_PORT lets two journeys run side by side (the native driver takes the next port).
const PORT = Number(process.env.E2E_PORT ?? 4444);
const base = `http://127.0.0.1:${PORT}`;

const driver = spawn(process.env.TAURI_DRIVER ?? "tauri-driver", ["--port", String(PORT), "--native-port", String(PORT + 1)], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CAPCALL_DB: db },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let session = null;
let step = "start";

async function wd(method, url, body) {
  // No WebDriver call takes minutes: a hung one fails the step, not the CI job.
  const res = await fetch(`${base}${url}`, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(120000) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}
const s = (url) => `/session/${session}${url}`;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function find(css, { timeout = 15000, all = false } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      if (all) {
        const els = await wd("POST", s("/elements"), { using: "css selector", value: css });
        if (els.length) return els.map((e) => e[ELEMENT]);
      } else {
        const el = await wd("POST", s("/element"), { using: "css selector", value: css });
        return el[ELEMENT];
      }
    } catch {
      /* not there yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${css}`);
    await sleep(150);
  }
}
const click = async (css) => wd("POST", s(`/element/${await find(css)}/click`), {});
const text = async (css) => wd("GET", s(`/element/${await find(css)}/text`));
// Replaces a field's text with real keystrokes (select all, delete, type),
// so React sees every input event as it would from a user.
async function type(css, value) {
  const el = await find(css);
  await wd("POST", s(`/element/${el}/click`), {});
  await wd("POST", s(`/element/${el}/value`), { text: "\uE009a\uE000\uE003" });
  await wd("POST", s(`/element/${el}/value`), { text: value });
}
async function until(what, f, timeout = 15000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await f();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out: ${what} (last: ${last})`);
    await sleep(200);
  }
}
// Screenshots are taken of the X display (xwd), cropped to the window: what
// a user sees, menu bar included. WebKitGTK's WebDriver snapshot can wait
// forever on some pages when the web view paints without GPU compositing
// (the app's default, see src-tauri/lib.rs), so it is only the fallback.
let shotFallbackSaid = false;
async function shot(name) {
  const file = path.join(shots, `${name}.png`);
  const rect = await wd("GET", s("/window/rect")).catch(() => null);
  try {
    if (!rect) throw new Error("no window rect");
    const xwd = execFileSync("xwd", ["-root", "-silent"], { maxBuffer: 64 << 20 });
    fs.writeFileSync(file, xwdToPng(xwd, rect));
  } catch (e) {
    if (!shotFallbackSaid) console.log(`e2e: screenshots through WebDriver (${e.message.split("\n")[0]})`);
    shotFallbackSaid = true;
    const png = await wd("GET", s("/screenshot"));
    fs.writeFileSync(file, Buffer.from(png, "base64"));
  }
}

/** A true-colour XWD dump (24 or 32 bits per pixel, as Xvfb gives) cropped to `rect`, as PNG bytes. */
function xwdToPng(buf, rect) {
  const f = (i) => buf.readUInt32BE(i * 4);
  const [headerSize, , , depth, width, height] = [0, 1, 2, 3, 4, 5].map(f);
  const byteOrder = f(7), bpp = f(11), stride = f(12), ncolors = f(19);
  if ((bpp !== 32 && bpp !== 24) || depth < 24) throw new Error(`xwd: ${bpp} bits per pixel, depth ${depth}`);
  const bytes = bpp / 8;
  const data = headerSize + ncolors * 12;
  const x0 = Math.max(0, Math.round(rect.x)), y0 = Math.max(0, Math.round(rect.y));
  const w = Math.min(Math.round(rect.width), width - x0), h = Math.min(Math.round(rect.height), height - y0);
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = data + (y0 + y) * stride, out = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const px = row + (x0 + x) * bytes;
      const [r, g, b] = byteOrder === 0 ? [buf[px + 2], buf[px + 1], buf[px]] : [buf[px + bytes - 3], buf[px + bytes - 2], buf[px + bytes - 1]];
      raw[out + 1 + x * 3] = r;
      raw[out + 2 + x * 3] = g;
      raw[out + 3 + x * 3] = b;
    }
  }
  const chunk = (type, body) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), body])));
    return Buffer.concat([len, Buffer.from(type), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
// NAME-light, NAME-dark at the current size (1440x900), then NAME-dark-1024
// and NAME-light-1024 at 1024x700, with `css` scrolled into view; back to
// light at 1440x900.
async function shotsBothThemesAndSizes(name, css) {
  const toggle = () => wd("POST", s("/execute/sync"), { script: "document.querySelector('[data-testid=theme-toggle]').click()", args: [] });
  const show = () => wd("POST", s("/execute/sync"), { script: `document.querySelector(${JSON.stringify(css)}).scrollIntoView({ block: "center" })`, args: [] });
  await show();
  await sleep(300);
  await shot(`${name}-light`);
  await toggle();
  await sleep(300);
  await shot(`${name}-dark`);
  await wd("POST", s("/window/rect"), { width: 1024, height: 700 }).catch(() => {});
  await sleep(500);
  await show();
  await sleep(300);
  await shot(`${name}-dark-1024`);
  await toggle();
  await sleep(300);
  await shot(`${name}-light-1024`);
  await wd("POST", s("/window/rect"), { width: 1440, height: 900 }).catch(() => {});
  await sleep(500);
}
const capcall = (...args) => JSON.parse(execFileSync(cli, ["--db", db, "--json", ...args], { encoding: "utf8" }));

async function main() {
  await until("tauri-driver to listen", async () => (await fetch(`${base}/status`)).ok);
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app, args: ["--db", db] } } },
  });
  session = created.sessionId;

  step = "portfolio board opens on the demo portfolio";
  await find("[data-testid=board] tr[data-id]");
  const rows = await find("[data-testid=board] tr[data-id]", { all: true });
  if (rows.length !== 12) throw new Error(`expected 12 use cases on the board, saw ${rows.length}`);
  if ((await text("[data-testid=as-of]")) !== "2025-09-08") throw new Error("board not scored as of the latest observation");
  await sleep(500);
  await shot("01-board");

  step = "filter the board by verdict";
  await click("[data-testid=verdict-filter] option[value=Retire]");
  await until("3 Retire rows", async () => (await find("[data-testid=board] tr[data-id]", { all: true })).length === 3);
  await click("[data-testid=verdict-filter] option[value='']");

  step = "add a use case with the form (the importer's validation)";
  await click("[data-testid=add-use-case]");
  for (const [k, v] of [["id", "zurich-claims"], ["name", "Zürich Claims Triage"], ["owner", "COO"], ["wave", "Wave 4"], ["region", "EU"], ["budget_usd", "120000.005"]]) {
    await type(`[data-testid=new-${k}]`, v);
  }
  await click("[data-testid=new-save]");
  await until("sub-cent budget refused", async () => (await text("[data-testid=add-form] [role=alert]")).includes("non-zero digit below the cent"));
  await type("[data-testid=new-budget_usd]", "120000.000");
  await click("[data-testid=new-save]");
  await until("use case stored", async () => capcall("usecase", "list").use_cases.some((u) => u.id === "zurich-claims" && u.budget_usd === "120000.00"));
  await type("[aria-label=Search]", "zurich");
  await until("accent-insensitive search finds it", async () => (await find("[data-testid=board] tr[data-id]", { all: true })).length === 1);
  await type("[aria-label=Search]", " ");

  step = "open a use case";
  await click("tr[data-id=ops-copilot-w1-us] button.link");
  await find("[data-testid=detail]");
  await sleep(800);
  await shot("02-use-case-detail");

  step = "edit in place: a budget, undo, redo, an observation correction";
  const budgetOf = (id) => capcall("usecase", "list").use_cases.find((u) => u.id === id).budget_usd;
  const originalBudget = budgetOf("ops-copilot-w1-us");
  await type("[data-testid=edit-value]", "123456.78");
  await click("[data-testid=edit-save]");
  await until("budget saved exactly", async () => budgetOf("ops-copilot-w1-us") === "123456.78");
  await click("[data-testid=undo]");
  await until("budget restored by undo", async () => budgetOf("ops-copilot-w1-us") === originalBudget);
  await click("[data-testid=redo]");
  await until("budget re-applied by redo", async () => budgetOf("ops-copilot-w1-us") === "123456.78");
  await type("[data-testid=edit-value]", "12.345");
  await click("[data-testid=edit-save]");
  await until("an invalid budget refused with the importer's message", async () => (await text("[role=alert]")).includes("non-zero digit below the cent"));
  await type("[data-testid=correct-value]", "18885.7030");
  await type("[data-testid=correct-reason]", "provider re-issued the invoice");
  await click("[data-testid=correct-save]");
  await until("correction audited with its reason", async () =>
    capcall("audit", "log", "--limit", "5").audit.some((a) => a.action === "correct spend_usd" && a.reason === "provider re-issued the invoice"),
  );
  if (!capcall("audit", "verify").ok) throw new Error("audit trail does not verify after edits");
  await sleep(300);
  await shot("02b-use-case-edited");

  step = "scenario modeller: override a path with a reason";
  await click("[data-nav=scenarios]");
  await find("[data-testid=capital-call]");
  await until("the draft shows the budget edited under it", async () => (await text("[data-testid=drift]")).includes("Ops Copilot Wave 1 (US)"));
  const freedBefore = await text("[data-testid=freed]");
  await shot("03-scenario-before");
  await click("[data-testid=path-hr-policy-bot] option[value=Retire]");
  await type("[data-testid=reason-hr-policy-bot]", "Privacy review failed; sunset per CFO");
  await until("freed money to rise as you type", async () => (await text("[data-testid=freed]")) !== freedBefore);
  await click("h1"); // leave the field: saves
  await until("override saved", async () => {
    const sc = capcall("scenario", "run", "Q4-2025 capital call");
    return sc.outcome.lines.find((l) => l.use_case === "hr-policy-bot").path === "Retire";
  });

  step = "scenario modeller: envelope changes the totals live";
  const reallocatedBefore = await text("[data-testid=reallocated]");
  await type("[data-testid=envelope]", "0");
  await until("reallocation to change", async () => (await text("[data-testid=reallocated]")) !== reallocatedBefore);
  await click("h1");
  await sleep(300);
  await shot("04-scenario-edited");

  step = "undo the envelope change";
  await click("button[title='Ctrl+Z']");
  await until("envelope restored", async () => capcall("scenario", "run", "Q4-2025 capital call").outcome.params.envelope_usd === "100000.00");
  await type("[data-testid=envelope]", "0");
  await click("h1");
  await until("envelope saved", async () => capcall("scenario", "run", "Q4-2025 capital call").outcome.params.envelope_usd === "0.00");

  step = "approve the scenario";
  await click("[data-testid=approve]");
  await until("approval notice", async () => (await text("[data-testid=notice]")).includes("Approved"));
  const approved = capcall("scenario", "list").scenarios.find((x) => x.status === "approved");
  if (!approved || approved.name !== "Q4-2025 capital call") throw new Error("approved scenario not stored");
  await until("the approved scenario is read-only: no undo, no editable input", async () => {
    const enabled = await wd("POST", s("/execute/sync"), {
      script:
        "return ['[data-testid=undo]', '[data-testid=envelope]', '[data-testid=policy]', '[data-testid=ask_usd-code-assistant]'].filter((c) => { const e = document.querySelector(c); return !e || !e.disabled; })",
      args: [],
    });
    return enabled.length === 0;
  });
  await shot("05-scenario-approved");

  step = "clone and compare";
  await type("[data-testid=new-name]", "What-if pro rata");
  await click("[data-testid=clone]");
  await until("clone selected", async () => (await text("[data-testid=notice]")).includes("Cloned"));
  await click("[data-testid=policy] option[value=pro-rata]");
  await sleep(500);
  await click("[data-testid=compare-with] option[value='Q4-2025 capital call']");
  await click("[data-testid=compare]");
  await find("[data-testid=comparison]");
  await sleep(300);
  await shot("06-scenario-compare");

  step = "decisions: log with a live guardrail check, propose, approve";
  await click("[data-nav=decisions]");
  await find("[data-testid=decision-form]");
  await click("[data-testid=form-use-case] option[value=ops-copilot-w3-eu]");
  await type("[data-testid=form-owner]", "VP Ops");
  await type("[data-testid=form-budget]", "300,000");
  await type("[data-testid=form-evidence]", "wk08/adoption/study_plan.md#results");
  await type("[data-testid=form-guardrails]", "p95_latency_ms =< 1200");
  await until("live guardrail error with its column", async () => (await text("[data-testid=guardrail-error]")).includes("column 16"));
  await type("[data-testid=form-guardrails]", "p95_latency_ms <= 1200");
  await until("guardrail accepted", async () => (await wd("POST", s("/elements"), { using: "css selector", value: "[data-testid=guardrail-error]" })).length === 0);
  await type("[data-testid=form-milestones]", "wave3_launch=2025-10-28");
  await click("[data-testid=form-submit]");
  await until("decision logged", async () => (await text("[data-testid=notice]")).includes("Logged DEC-"));
  const logged = capcall("decision", "list").decisions.at(-1).decision.id;
  await click(`[data-testid='propose-${logged}']`);
  await until("proposed", async () => (await text(`[data-testid='status-${logged}']`)) === "Proposed");
  await click(`[data-testid='approve-${logged}']`);
  await until("approved", async () => (await text(`[data-testid='status-${logged}']`)) === "Approved");
  if (capcall("decision", "show", logged).status !== "Approved") throw new Error("decision not approved in the store");
  await click("[data-testid=audit-verify]");
  await until("audit intact", async () => (await text("[data-testid=audit-result]")).includes("intact"));

  step = "decisions: draft one per path from the scenario, reject one with a reason";
  const before = capcall("decision", "list").decisions.length;
  await click("[data-testid=draft-from-scenario]");
  await until("drafts created", async () => (await text("[data-testid=notice]")).includes("Drafted"));
  const drafts = capcall("decision", "list").decisions.slice(before).map((v) => v.decision);
  if (drafts.length === 0 || drafts.some((d) => d.status !== "Draft" || !d.use_case)) throw new Error(`drafts ${JSON.stringify(drafts)}`);
  const sc = capcall("scenario", "run", "Q4-2025 capital call").outcome.lines;
  for (const d of drafts.filter((x) => x.path !== "Hold")) {
    const line = sc.find((l) => l.use_case === d.use_case);
    if (!line || line.new_budget_usd !== d.budget_usd) throw new Error(`draft ${d.id} budget ${d.budget_usd} vs scenario ${line && line.new_budget_usd}`);
  }
  const victim = drafts[0].id;
  await click(`[data-testid='reject-${victim}']`);
  await type(`[data-testid='reject-reason-${victim}']`, "Duplicate of the logged Wave 3 decision");
  await click(`[data-testid='reject-reason-${victim}'] ~ button`);
  await until("rejected with its reason", async () => capcall("decision", "show", victim).rejection_reason === "Duplicate of the logged Wave 3 decision");
  await shot("07-decisions");

  step = "plan: the board's pre-read exports from a scenario before any plan is approved";
  await click("[data-nav=plan]");
  const preReadDir = path.join(work, "pre-read");
  await type("[data-testid=export-dir]", preReadDir);
  // Below the governance card: scroll the select into view before its option is clicked.
  await wd("POST", s("/execute/sync"), { script: "document.querySelector('[data-testid=export-source]').scrollIntoView({ block: 'center' })", args: [] });
  await click("[data-testid=export-source] option[value='Q4-2025 capital call']");
  await click("[data-testid=export]");
  await until("pre-read export report", async () => (await text("[data-testid=export-report]")).includes("(DRAFT)"));
  for (const f of ["exec_scale_readout.md", "next_90_plan.md", "budgets.csv", "plan.json", "comms/ceo_note.md"]) {
    if (!fs.readFileSync(path.join(preReadDir, f), "utf8").includes("DRAFT")) throw new Error(`pre-read ${f} does not say DRAFT`);
  }
  if (!fs.readFileSync(path.join(preReadDir, "exec_scale_readout.pdf")).subarray(0, 5).equals(Buffer.from("%PDF-"))) throw new Error("pre-read PDF is not a PDF");
  await click("[data-testid=export-source] option[value='']");

  step = "plan and export: build, approve, export, files on disk";
  await click("[data-testid=build-plan]");
  await until("plan built", async () => (await text("[data-testid=plan-status]")) === "draft");
  await find("[data-testid=governance]");
  if ((await find("[data-testid=gap-list] li", { all: true })).length > 0) {
    await type("[data-testid=accept-gaps]", "Board pre-read: remaining decisions are logged at the readout");
  }
  await shot("07b-governance");
  await click("[data-testid=approve-plan]");
  await until("plan approved", async () => (await text("[data-testid=plan-status]")) === "approved");
  await type("[data-testid=export-dir]", exportDir);
  await click("[data-testid=export]");
  await until("export report", async () => (await text("[data-testid=export-report]")).includes("Wrote 10 files"));
  for (const f of ["exec_scale_readout.md", "ucr_trend.svg", "decision_log.md", "next_90_plan.md", "budgets.csv", "plan.json", "exec_scale_readout.pdf", "comms/ceo_note.md"]) {
    if (!fs.existsSync(path.join(exportDir, f))) throw new Error(`export did not write ${f}`);
  }
  const total = fs.readFileSync(path.join(exportDir, "budgets.csv"), "utf8").trim().split("\n").at(-1).split(",");
  const planTotals = capcall("plan", "show").plan.totals;
  if (total[3] !== planTotals.old_budget_usd || total[4] !== planTotals.new_budget_usd) throw new Error(`budgets.csv totals ${total} differ from the plan's`);
  if (!fs.readFileSync(path.join(exportDir, "decision_log.md"), "utf8").includes(logged)) throw new Error("decision log export lacks the decision");
  await shot("08-plan-export");

  step = "import: a bad file is rejected with line and column";
  const bad = path.join(work, "obs-bad.csv");
  fs.writeFileSync(bad, "use_case,period_start,spend_usd,units\nops-copilot-w1-us,2025-09-15,100,1000\nops-copilot-w1-us,2025-09-22,12.3.4,1000\n");
  await click("[data-nav=import]");
  await type("[data-testid=import-path]", bad);
  await click("h1");
  await click("[data-testid=import-run]");
  await until("line-level error", async () => (await text("[role=alert]")).includes("obs-bad.csv:3:3: spend_usd"));
  await shot("09-import-error");

  step = "import: a good file imports with progress";
  const good = path.join(work, "obs-good.csv");
  fs.writeFileSync(good, "use_case,period_start,spend_usd,units\nops-copilot-w1-us,2025-09-15,100,1000\n");
  await type("[data-testid=import-path]", good);
  await click("h1");
  await click("[data-testid=import-run]");
  await until("import report", async () => (await text("[data-testid=import-report]")).includes("1 added"));
  await shot("10-import-done");
  await sleep(1500); // the app's deferred refresh after that import remounts the screen: let it land first

  step = "import a FOCUS cost export: allocated and unallocated cost on the board";
  const focus = path.join(work, "focus-2025-05.csv");
  fs.writeFileSync(
    focus,
    "\uFEFFBillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BilledCost,EffectiveCost,BillingCurrency,ServiceName,Tags\r\n" +
      'acct-1,2025-05-01T00:00:00Z,2025-06-01T00:00:00Z,2025-05-05T00:00:00Z,2025-05-06T00:00:00Z,Usage,12.0000001,12.0000001,USD,Azure OpenAI,"{""Application"":""Ops Copilot W1 US""}"\r\n' +
      'acct-1,2025-05-01T00:00:00Z,2025-06-01T00:00:00Z,2025-05-05T00:00:00Z,2025-05-06T00:00:00Z,Usage,7.25,7.25,USD,Compute,"{""application"":""nobody-owns-this""}"\r\n',
  );
  await type("[data-testid=import-path]", focus);
  await click("h1");
  await click("[data-nav=import] ").catch(() => {});
  await until("FOCUS detected", async () => (await find("select[aria-label='File kind']").then(() => true)));
  await click("select[aria-label='File kind'] option[value=focus]");
  // A FOCUS import is previewed (a dry run in the store) before Import commits it.
  await click("[data-testid=focus-preview-run]");
  await until("FOCUS preview", async () => (await text("[data-testid=focus-preview]")).includes("2 charges"));
  if ((await text("[data-testid=focus-preview-unallocated]")) !== "7.25") throw new Error("preview: unallocated");
  if (!(await text("[data-testid=focus-preview-services]")).includes("Compute")) throw new Error("preview: unallocated by service");
  if (capcall("costs").total !== "0") throw new Error("the preview wrote costs");
  await shotsBothThemesAndSizes("10a-focus-preview", "[data-testid=focus-preview]");
  await click("[data-testid=import-run]");
  await until("FOCUS report", async () => (await text("[data-testid=focus-report]")).includes("2 charges"));
  await shot("10b-focus-import");
  const costs = capcall("costs");
  if (costs.unallocated !== "7.25" || costs.total !== "19.2500001") throw new Error(`costs ${JSON.stringify(costs)}`);
  await click("[data-nav=board]");
  await until("unallocated on the board", async () => (await text("[data-testid=unallocated]")).includes("7.25"));
  await until("difference from the approved plan", async () => (await text("[data-testid=vs-approved-ops-copilot-w1-us]")).includes("vs approved"));

  await sleep(1500); // let the app's deferred refresh after the import settle

  step = "cost mapping editor: a rule previewed (what moves), then applied with a reason";
  await click("[data-nav=import]");
  await find("[data-testid=cost-mapping] [data-testid=rule-new-value]");
  await sleep(500);
  await type("[data-testid=rule-new-value]", "nobody-owns-this");
  await click("select[aria-label='New rule use case'] option[value=ops-copilot-w1-us]");
  await click("[data-testid=rule-add]");
  await click("[data-testid=mapping-preview]");
  await until("mapping preview", async () => (await text("[data-testid=mapping-preview-unallocated-after]")) === "0.00");
  if (!(await text("[data-testid=mapping-preview-result]")).includes("Ops Copilot Wave 1 (US)")) throw new Error("mapping preview: the use case that moves, by name");
  if (capcall("costs").unallocated !== "7.25") throw new Error("the mapping preview wrote");
  await wd("POST", s("/execute/sync"), { script: "document.querySelector('[data-testid=cost-mapping]').scrollIntoView()", args: [] });
  await shotsBothThemesAndSizes("10c-mapping-preview", "[data-testid=mapping-preview-result]");
  await type("[data-testid=mapping-reason]", "nobody-owns-this is the W1 US copilot's");
  await click("[data-testid=mapping-apply]");
  await until("mapping applied", async () => capcall("costs").unallocated === "0");
  if (capcall("mapping", "show").version !== 1) throw new Error("mapping version");
  await sleep(1000);

  step = "scenario exchange: a file drafted in another portfolio opens here as a draft, money exact";
  const other = path.join(work, "vp-laptop.sqlite");
  execFileSync(cli, ["--db", other, "demo"], { encoding: "utf8" });
  execFileSync(cli, ["--db", other, "scenario", "run", "Q4-2025 capital call", "--envelope", "123,456.78"], { encoding: "utf8" });
  const file = path.join(work, "q4-from-vp.json");
  execFileSync(cli, ["--db", other, "scenario", "export", "Q4-2025 capital call", file], { encoding: "utf8" });
  const opened = await wd("POST", s("/execute/async"), {
    script: "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('open_scenario_file', { path: arguments[0], asName: 'From VP Ops' }).then((r) => done(JSON.stringify(r)), (e) => done('ERR ' + JSON.stringify(e)));",
    args: [file],
  });
  if (String(opened).startsWith("ERR")) throw new Error(`open_scenario_file: ${opened}`);
  const mine = capcall("scenario", "run", "From VP Ops");
  const theirs = JSON.parse(execFileSync(cli, ["--db", other, "--json", "scenario", "run", "Q4-2025 capital call"], { encoding: "utf8" }));
  if (mine.outcome.params.envelope_usd !== "123456.78") throw new Error(`envelope ${mine.outcome.params.envelope_usd}`);
  if (capcall("scenario", "list").scenarios.find((x) => x.name === "From VP Ops").status !== "draft") throw new Error("opened scenario is not a draft");
  if (JSON.stringify(mine.outcome.lines.map((l) => [l.use_case, l.old_budget_usd])) === JSON.stringify([])) throw new Error("no lines");
  void theirs;

  step = "rubric settings";
  await click("[data-nav=rubric]");
  await find("[data-testid=settings]");
  // The view may still be settling (a reload after the import above): type
  // until the field holds the value, then save.
  const valueOf = async (css) => wd("GET", s(`/element/${await find(css)}/property/value`));
  for (let i = 0; i < 10; i++) {
    try {
      if ((await valueOf("input[aria-label=slo_workoff_days]")) === "21") break;
      await type("input[aria-label=slo_workoff_days]", "21");
    } catch {
      // the view re-rendered under us (stale element): try again
    }
    await sleep(300);
  }
  // The save button may be re-rendered under us too: retry a stale click.
  for (let i = 0; i < 10; i++) {
    try {
      await click("button.primary");
      break;
    } catch (e) {
      if (!String(e.message).includes("stale")) throw e;
      await sleep(300);
    }
  }
  await until("new rubric version", async () => capcall("rubric", "show").versions[0].version === 3);
  await shot("11-rubric");

  step = "dark theme";
  await click("[data-testid=theme-toggle]");
  await click("[data-nav=board]");
  await find("[data-testid=board] tr[data-id]");
  await sleep(500);
  await shot("12-board-dark");

  step = "a small window (1024x700), both themes";
  await wd("POST", s("/window/rect"), { width: 1024, height: 700 }).catch(() => {});
  await sleep(500);
  await shot("13-board-dark-1024");
  await wd("POST", s("/execute/sync"), { script: "document.querySelector('[data-testid=theme-toggle]').click()", args: [] });
  await sleep(300);
  await shot("14-board-light-1024");
  await wd("POST", s("/execute/sync"), { script: "document.querySelector('tr[data-id=contract-review] button.link').scrollIntoView(); document.querySelector('tr[data-id=contract-review] button.link').click()", args: [] });
  await find("[data-testid=detail]");
  await sleep(800);
  await shot("15-detail-light-1024");
  await click("[data-nav=plan]");
  await find("[data-testid=governance]").catch(() => {});
  await sleep(300);
  await shot("16-plan-light-1024");
  await atScale();
  console.log(`e2e: all steps passed; screenshots in ${shots}`);
}

// ---------------------------------------------------------------- 10,000 use cases
// A generated portfolio of 10,000 use cases (bench/gen_portfolio.py, 20 weeks
// each) opened in a second session. Latencies are measured in the page (input
// event to the next frame after the DOM has the result; see ui/src/lib/latency.ts)
// and printed; a step fails only beyond 3x its goal (goal 50 ms: fails above 150 ms).
const GOAL_MS = 50;
const FAIL_MS = 3 * GOAL_MS;
const js = (script, ...args) => wd("POST", s("/execute/sync"), { script, args });
const latencies = {};

/** Does `act`, then waits for the page's figure of `kind` (data-latency-KIND) and keeps it. */
async function timed(kind, act) {
  const attr = `latency${kind[0].toUpperCase()}${kind.slice(1)}`;
  await js(`delete document.body.dataset.${attr}`);
  await act();
  const ms = Number(await until(`${kind} latency`, () => js(`return document.body.dataset.${attr} || null`), 10000));
  (latencies[kind] ??= []).push(ms);
  return ms;
}
async function key(css, k) {
  await wd("POST", s(`/element/${await find(css)}/value`), { text: k });
}

function latencyReport() {
  const report = Object.entries(latencies).map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return { k, n: v.length, median: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted.at(-1) };
  });
  for (const r of report) console.log(`e2e: 10k ${r.k.padEnd(9)} median ${r.median.toFixed(1)} ms, max ${r.max.toFixed(1)} ms over ${r.n} (goal ${GOAL_MS} ms, fails above ${FAIL_MS} ms)`);
  for (const k of Object.keys(latencies)) delete latencies[k];
  return report;
}

async function atScale() {
  step = "10,000 use cases: generate and import a portfolio";
  const t0 = Date.now();
  const data = path.join(work, "big");
  const big = path.join(work, "big.sqlite");
  execFileSync("python3", [path.resolve("bench/gen_portfolio.py"), data, "10000", "20"]);
  for (const args of [["init"], ["import", "use-cases", path.join(data, "use_cases.csv")], ["import", "observations", path.join(data, "observations.csv")], ["scenario", "new", "Big call"]])
    execFileSync(cli, ["--db", big, ...args], { stdio: "ignore" });
  console.log(`e2e: 10k portfolio ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  step = "10,000 use cases: open the board";
  await wd("DELETE", `/session/${session}`).catch(() => {});
  session = (await wd("POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: app, args: ["--db", big] } } } })).sessionId;
  await wd("POST", s("/window/rect"), { width: 1440, height: 900 }).catch(() => {});
  const opened = Date.now();
  await find("[data-testid=board] tr[data-id]", { timeout: 60000 });
  console.log(`e2e: 10k board on screen ${Date.now() - opened} ms after the session opened`);
  const drawn = (await find("[data-testid=board] tr[data-id]", { all: true })).length;
  if (drawn > 200) throw new Error(`board renders ${drawn} rows for 10,000 use cases: not virtualized`);
  await shot("20-board-10k-1440");

  step = "10,000 use cases: search keystrokes";
  await click("[aria-label=Search]");
  for (const ch of "case 12") await timed("search", () => key("[aria-label=Search]", ch));
  await until("search narrows the board", async () => (await text("[data-testid=shown-count]")).includes("shown"));
  for (let i = 0; i < 7; i++) await timed("search", () => key("[aria-label=Search]", "\uE003"));

  step = "10,000 use cases: sort by budget, then spend";
  for (const label of ["Budget", "Spend", "Budget", "Use case"])
    await timed("sort", () => js(`[...document.querySelectorAll("[data-testid=board] th.sortable")].find((t) => t.textContent.startsWith(arguments[0])).click()`, label));

  step = "10,000 use cases: arrow keys";
  await js(`document.querySelector("[data-testid=board-scroll]").focus()`);
  for (let i = 0; i < 12; i++) await timed("move", () => key("[data-testid=board-scroll]", "\uE015"));
  await key("[data-testid=board-scroll]", "\uE010"); // End: the last of 10,000
  // The rows are paged from Rust: the last one is asked for when scrolled to, and drawn.
  await until("the last row is fetched and drawn", async () => (await js(`return document.querySelector("[data-testid=board] tr.cursor[data-id]")?.dataset.index`)) === "9999");
  await shot("21-board-10k-end");

  step = "10,000 use cases: scenario keystrokes to updated totals";
  await click("[data-nav=scenarios]");
  await find("[data-testid=capital-call]", { timeout: 60000 });
  await find("[data-testid=scenario-lines] tr[data-id]");
  const lines = (await find("[data-testid=scenario-lines] tr[data-id]", { all: true })).length;
  if (lines > 200) throw new Error(`scenario grid renders ${lines} rows: not virtualized`);
  await shot("22-scenario-10k-1440");
  const before = await text("[data-testid=unallocated-total]");
  await click("[data-testid=envelope]");
  await key("[data-testid=envelope]", "\uE009a\uE000\uE003");
  for (const ch of "2500000") await timed("recompute", () => key("[data-testid=envelope]", ch));
  await until("totals follow the envelope", async () => (await text("[data-testid=unallocated-total]")) !== before);
  await js(`document.querySelector("[data-testid=envelope]").blur()`);
  for (const ch of "uc-0001") await timed("filter", () => key("[data-testid=line-search]", ch));
  await sleep(300);
  await shot("23-scenario-10k-search");

  step = "10,000 use cases: a small window";
  await wd("POST", s("/window/rect"), { width: 1024, height: 700 }).catch(() => {});
  await sleep(500);
  await shot("24-scenario-10k-1024");
  await click("[data-nav=board]");
  await find("[data-testid=board] tr[data-id]", { timeout: 60000 });
  await sleep(300);
  await shot("25-board-10k-1024");

  step = "10,000 use cases: latencies within 3x the goals";
  const report = latencyReport();
  const slow = report.filter((r) => r.median > FAIL_MS);
  if (slow.length) throw new Error(`beyond 3x the goal: ${slow.map((r) => `${r.k} ${r.median.toFixed(0)} ms`).join(", ")}`);
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`e2e FAILED at step "${step}": ${e.message}`);
  if (Object.keys(latencies).length) latencyReport();
  if (session) await shot("failure").catch(() => {});
} finally {
  if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
  driver.kill();
}
process.exit(failed ? 1 : 0);
