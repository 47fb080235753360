// One way for a view to run a user action: clear old messages, run it, show
// its notice, reload the view and tell the shell; or show the error in place.
import { errorOf } from "./api";
import type { AppError } from "../bindings";

export function runAction(
  f: () => Promise<string>,
  show: { setError: (e: AppError | null) => void; setNotice: (n: string | null) => void },
  after: () => Promise<unknown> | void,
): Promise<void> {
  show.setError(null);
  show.setNotice(null);
  return f()
    .then(async (notice) => {
      show.setNotice(notice);
      await after();
    })
    .catch((e) => show.setError(errorOf(e)));
}
