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
