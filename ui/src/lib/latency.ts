// Interaction latency, measured in the page: from the input event to the
// next frame after React has put the result in the DOM. The last figure of
// each kind is kept on <body data-latency-KIND="ms"> so the E2E harness can
// read what a user waited, without WebDriver round trips in the figure.
import { useLayoutEffect } from "react";

const started = new Map<string, number>();

/** The user just did `kind` (a keystroke, a click, a key press). */
export function startLatency(kind: string): void {
  started.set(kind, performance.now());
}

/** After a commit caused by `kind`, records the time to the next frame. */
export function useLatency(kind: string, deps: unknown[]): void {
  useLayoutEffect(() => {
    const t0 = started.get(kind);
    if (t0 === undefined) return;
    started.delete(kind);
    requestAnimationFrame(() => {
      const ms = performance.now() - t0;
      document.body.dataset[`latency${kind[0].toUpperCase()}${kind.slice(1)}`] = ms.toFixed(1);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}
