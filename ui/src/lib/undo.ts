// A bounded undo/redo history of edits. Each entry knows how to revert and
// re-apply itself (both go through the backend, so nothing is UI-only).

export interface Edit {
  label: string;
  undo: () => Promise<void>;
  redo: () => Promise<void>;
}

export class UndoStack {
  private done: Edit[] = [];
  private undone: Edit[] = [];
  constructor(private readonly limit = 50) {}

  push(edit: Edit): void {
    this.done.push(edit);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  canUndo(): boolean {
    return this.done.length > 0;
  }
  canRedo(): boolean {
    return this.undone.length > 0;
  }
  peekUndo(): string | undefined {
    return this.done[this.done.length - 1]?.label;
  }
  get depth(): number {
    return this.done.length;
  }

  async undo(): Promise<string | undefined> {
    const e = this.done.pop();
    if (!e) return undefined;
    await e.undo();
    this.undone.push(e);
    return e.label;
  }

  async redo(): Promise<string | undefined> {
    const e = this.undone.pop();
    if (!e) return undefined;
    await e.redo();
    this.done.push(e);
    return e.label;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
  }
}

/** The app's one undo history: scenario edits and portfolio edits share it (50 steps). */
export const sharedUndo = new UndoStack(50);
