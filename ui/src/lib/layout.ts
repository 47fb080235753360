// Layout helpers shared by the virtualized grids.
import { useLayoutEffect, useState } from "react";

/** Height that fills the window below an element (its own scroll area). */
export function useFillHeight(ref: React.RefObject<HTMLElement | null>, deps: unknown[], min = 260, gap = 44): number {
  const [h, setH] = useState(600);
  useLayoutEffect(() => {
    const measure = () => {
      const el = ref.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top + (el.closest(".main")?.scrollTop ?? 0);
      setH(Math.max(min, Math.floor(window.innerHeight - top - gap)));
    };
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
    // Measured again when what sits above the element may have changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return h;
}

/**
 * Heights of a sticky table head (all of it, and its first row, under which
 * a pinned totals row sticks), measured when `deps` change and whenever the
 * head resizes (a window resize can wrap or unwrap its labels).
 */
export function useHeadHeights(ref: React.RefObject<HTMLTableSectionElement | null>, deps: unknown[], initial: [number, number]): [number, number] {
  const [heights, setHeights] = useState<[number, number]>(initial);
  useLayoutEffect(() => {
    const head = ref.current;
    if (!head) return;
    const measure = () => {
      const all = head.getBoundingClientRect().height;
      const first = head.rows[0]?.getBoundingClientRect().height ?? initial[1];
      setHeights((h) => (h[0] === all && h[1] === first ? h : [all, first]));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(head);
    return () => observer.disconnect();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return heights;
}
