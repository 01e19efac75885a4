import { describe, expect, it } from "vitest";
import { brokenPath } from "./parallel";
import { toPixel } from "./scatter";

describe("brokenPath", () => {
  it("starts a new segment after a missing point", () => {
    expect(brokenPath([[0, 1], [10, 2], null, [30, 4], [40, 5]])).toBe("M0.0,1.0L10.0,2.0M30.0,4.0L40.0,5.0");
    expect(brokenPath([null, null])).toBe("");
  });
});

describe("toPixel", () => {
  it("maps 0..1 into the inset pixel range, either direction", () => {
    expect(toPixel(0, 0, 100)).toBe(5);
    expect(toPixel(1, 0, 100)).toBe(95);
    expect(toPixel(0.5, 300, 100)).toBe(200);
  });
});
