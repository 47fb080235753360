import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { firstPageSettled } from "./views/Board";
// The UI font, bundled (SIL OFL): the same figures on every machine, and a
// new size or weight of it costs WebKitGTK no fontconfig search (a system
// font stack costs 10-20 ms per size and weight on Linux; see ARCHITECTURE.md).
import "@fontsource-variable/inter/wght.css";
import "./styles.css";

performance.mark("capcall-js-start");

/**
 * The first render waits, briefly, for the UI font's Latin face and the
 * board's first page (both asked for as the script starts): the first
 * layout is then already in the right font and the first frame is the board.
 */
const ready = Promise.race([
  Promise.all([document.fonts.load('14px "Inter Variable"').catch(() => undefined), firstPageSettled]),
  new Promise((done) => setTimeout(done, 250)),
]);

ready.then(() => {
  performance.mark("capcall-first-render");
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
