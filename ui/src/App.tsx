// The app shell: navigation, portfolio header, theme, and global errors.
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { listen } from "@tauri-apps/api/event";
import { call, commands, errorOf } from "./lib/api";
import type { AppError, PortfolioInfo } from "./bindings";
import { BoardView } from "./views/Board";
import { ErrorBanner, Loading } from "./views/common";

// The board is in the first bundle; every other screen (and the chart
// library the detail screen uses) is its own chunk, parsed when first shown.
const DetailView = lazy(() => import("./views/Detail").then((m) => ({ default: m.DetailView })));
const ImportView = lazy(() => import("./views/Import").then((m) => ({ default: m.ImportView })));
const ScenariosView = lazy(() => import("./views/Scenarios").then((m) => ({ default: m.ScenariosView })));
const RubricView = lazy(() => import("./views/Rubric").then((m) => ({ default: m.RubricView })));
const DecisionsView = lazy(() => import("./views/Decisions").then((m) => ({ default: m.DecisionsView })));
const PlanView = lazy(() => import("./views/Plan").then((m) => ({ default: m.PlanView })));

export type Screen = { name: "board" } | { name: "detail"; id: string } | { name: "import" } | { name: "scenarios" } | { name: "decisions" } | { name: "plan" } | { name: "rubric" };

const NAV: { key: Screen["name"]; label: string; hint: string }[] = [
  { key: "board", label: "Portfolio", hint: "Alt+1" },
  { key: "scenarios", label: "Scenarios", hint: "Alt+2" },
  { key: "decisions", label: "Decisions", hint: "Alt+3" },
  { key: "plan", label: "Plan & export", hint: "Alt+4" },
  { key: "import", label: "Import", hint: "Alt+5" },
  { key: "rubric", label: "Rubric", hint: "Alt+6" },
];

export function App() {
  const [screen, setScreen] = useState<Screen>({ name: "board" });
  const [info, setInfo] = useState<PortfolioInfo | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [generation, setGeneration] = useState(0);
  const [theme, setTheme] = useState<"light" | "dark">(() => (localStorage.getItem("theme") as "light" | "dark") ?? "light");

  const refresh = useCallback(() => {
    call(commands.portfolioInfo())
      .then((i) => {
        setInfo(i);
        setError(null);
      })
      .catch((e) => setError(errorOf(e)));
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("theme", theme);
  }, [theme]);

  useEffect(() => {
    refresh();
    const unlisten = [
      listen("portfolio-changed", () => {
        setGeneration((g) => g + 1);
        setScreen({ name: "board" });
        refresh();
      }),
      listen<AppError>("app-error", (e) => setError(e.payload)),
    ];
    return () => {
      unlisten.forEach((p) => p.then((f) => f()));
    };
  }, [refresh]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const i = Number(e.key) - 1;
      if (i >= 0 && i < NAV.length) {
        e.preventDefault();
        setScreen({ name: NAV[i].key } as Screen);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const changed = () => {
    setGeneration((g) => g + 1);
    refresh();
  };

  const active = screen.name === "detail" ? "board" : screen.name;
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden>◧</span> Capcall
        </div>
        <nav>
          {NAV.map((n) => (
            <button key={n.key} className={active === n.key ? "nav active" : "nav"} onClick={() => setScreen({ name: n.key } as Screen)} title={n.hint} data-nav={n.key}>
              {n.label}
            </button>
          ))}
        </nav>
        <div className="sidebar-foot">
          <button className="ghost" onClick={() => setTheme(theme === "light" ? "dark" : "light")} data-testid="theme-toggle">
            {theme === "light" ? "Dark theme" : "Light theme"}
          </button>
        </div>
      </aside>
      <main className="main">
        <header className="topbar">
          <div>
            <div className="portfolio-path" title={info?.path}>{info ? info.path : "No portfolio open"}</div>
            {info && (
              <div className="muted small">
                {info.use_cases.toLocaleString("en-US")} use cases · {info.observations.toLocaleString("en-US")} observations · latest {info.latest_observation ?? "—"} · approved scenario: {info.approved_scenario ?? "none"}
              </div>
            )}
          </div>
        </header>
        {error && <ErrorBanner error={error} onClose={() => setError(null)} />}
        <section className="content" key={generation}>
          <Suspense fallback={<Loading />}>
          {screen.name === "board" && <BoardView open={(id) => setScreen({ name: "detail", id })} />}
          {screen.name === "detail" && <DetailView id={screen.id} back={() => setScreen({ name: "board" })} />}
          {screen.name === "import" && <ImportView onImported={changed} onSummary={refresh} />}
          {screen.name === "scenarios" && <ScenariosView onChanged={refresh} />}
          {screen.name === "rubric" && <RubricView onChanged={changed} />}
          {screen.name === "decisions" && <DecisionsView onChanged={refresh} />}
          {screen.name === "plan" && <PlanView onChanged={refresh} />}
          </Suspense>
        </section>
      </main>
    </div>
  );
}
