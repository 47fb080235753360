import { describe, expect, it } from "vitest";
import { UndoStack } from "./undo";

describe("UndoStack", () => {
  it("undoes and redoes in order, at least 20 steps deep", async () => {
    let value = 0;
    const s = new UndoStack(50);
    for (let i = 1; i <= 25; i++) {
      const before = value;
      value = i;
      s.push({ label: `set ${i}`, undo: async () => void (value = before), redo: async () => void (value = i) });
    }
    for (let i = 0; i < 25; i++) await s.undo();
    expect(value).toBe(0);
    expect(s.canUndo()).toBe(false);
    await s.redo();
    await s.redo();
    expect(value).toBe(2);
  });
  it("drops the oldest beyond the limit and clears redo on a new edit", async () => {
    const s = new UndoStack(3);
    const noop = async () => {};
    for (let i = 0; i < 5; i++) s.push({ label: String(i), undo: noop, redo: noop });
    expect(s.depth).toBe(3);
    await s.undo();
    expect(s.canRedo()).toBe(true);
    s.push({ label: "new", undo: noop, redo: noop });
    expect(s.canRedo()).toBe(false);
    expect(s.peekUndo()).toBe("new");
  });
});
