// The one door to the backend: typed commands from bindings.ts, with every
// failure turned into an AppError {code, message} the views show in place.
import { commands, type AppError, type Code, type Result } from "../bindings";

export { commands };

export class CommandError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

function toAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as AppError;
  // Tauri rejects with a plain string when arguments fail to deserialize
  // (e.g. an amount the Money type refuses); show it as an input error.
  return { code: "invalid_input", message: typeof e === "string" ? e : String(e) };
}

/** Awaits a command; throws CommandError on `{status: "error"}` or a rejected invoke. */
export async function call<T>(p: Promise<Result<T, AppError>>): Promise<T> {
  let r: Result<T, AppError>;
  try {
    r = await p;
  } catch (e) {
    const err = toAppError(e);
    throw new CommandError(err.code, err.message);
  }
  if (r.status === "error") throw new CommandError(r.error.code, r.error.message);
  return r.data;
}

export function errorOf(e: unknown): AppError {
  if (e instanceof CommandError) return { code: e.code, message: e.message };
  return toAppError(e);
}
