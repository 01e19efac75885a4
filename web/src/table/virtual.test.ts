import { describe, expect, it } from "vitest";
import { rowWindow, scrollToRow } from "./virtual";

describe("rowWindow", () => {
  it("renders the viewport plus overscan at the top", () => {
    expect(rowWindow(0, 320, 32, 10000, 5)).toEqual({ start: 0, end: 16, padTop: 0, padBottom: (10000 - 16) * 32 });
  });

  it("keeps the total height whatever the scroll position", () => {
    const w = rowWindow(32 * 5000 + 7, 640, 32, 10000, 10);
    expect(w.start).toBe(4990);
    expect(w.end).toBe(5000 + 21 + 10);
    expect(w.padTop + (w.end - w.start) * 32 + w.padBottom).toBe(10000 * 32);
  });

  it("clamps at the end and for short lists", () => {
    expect(rowWindow(1e9, 640, 32, 100, 10)).toEqual({ start: 100, end: 100, padTop: 3200, padBottom: 0 });
    expect(rowWindow(0, 640, 32, 3)).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 });
  });
});

describe("scrollToRow", () => {
  it("scrolls only when the row is out of view", () => {
    expect(scrollToRow(5, 0, 320, 32)).toBe(0);
    expect(scrollToRow(20, 0, 320, 32)).toBe(21 * 32 - 320);
    expect(scrollToRow(2, 200, 320, 32)).toBe(64);
    expect(scrollToRow(8, 0, 320, 32, 32)).toBe(9 * 32 - 288);
  });
});
