// The virtual list of every big grid (board, scenario lines): only the rows
// in view (plus overscan) are in the DOM, between two spacer rows, inside a
// scroll area whose sticky header is `headH` pixels tall.
import { useVirtualizer } from "@tanstack/react-virtual";

export function useVirtualRows({ count, scrollRef, rowH, headH, overscan = 10 }: { count: number; scrollRef: React.RefObject<HTMLElement | null>; rowH: number; headH: number; overscan?: number }) {
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowH,
    overscan,
    paddingStart: headH,
    scrollPaddingStart: headH,
    // Until the scroll area is measured (after the first commit), assume it
    // fills the window, so the first frame already has its rows.
    initialRect: { width: window.innerWidth, height: window.innerHeight },
  });
  const items = virtualizer.getVirtualItems();
  return {
    items,
    /** Height of the spacer row above the drawn rows. */
    before: items.length > 0 ? items[0].start - headH : 0,
    /** Height of the spacer row below them. */
    after: items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1].end : 0,
    scrollToIndex: (i: number) => virtualizer.scrollToIndex(i, { align: "auto" }),
  };
}

/**
 * The window of a paged list to ask the backend for, or null when the rows
 * `first..last` (exclusive) are all loaded: those rows plus `overscan` on
 * each side, clipped to the `count` rows of the view.
 */
export function windowToFetch(first: number, last: number, count: number, isLoaded: (i: number) => boolean, overscan: number): { offset: number; limit: number } | null {
  const to = Math.min(last, count);
  let missing = false;
  for (let i = Math.max(0, first); i < to; i++)
    if (!isLoaded(i)) {
      missing = true;
      break;
    }
  if (!missing) return null;
  const offset = Math.max(0, first - overscan);
  const end = Math.min(count, to + overscan);
  return { offset, limit: end - offset };
}
