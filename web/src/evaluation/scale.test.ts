import { describe, expect, it } from "vitest";
import { barGeometry, formatInterval, formatValue, linearScale, scaleFor } from "./scale";

describe("interval bar geometry", () => {
  it("places interval, point and threshold in % of the width", () => {
    const g = barGeometry(linearScale(0, 1), { value: 0.5, low: 0.4, high: 0.6 }, 0.75);
    expect(g.from).toBeCloseTo(40);
    expect(g.to).toBeCloseTo(60);
    expect(g.point).toBeCloseTo(50);
    expect(g.threshold).toBeCloseTo(75);
  });

  it("clamps values outside the domain and drops missing bounds", () => {
    const g = barGeometry(linearScale(0.5, 1), { value: 0.3, low: null, high: 0.9 });
    expect(g.point).toBe(0);
    expect(g.from).toBeNull();
    expect(g.to).toBeNull();
    expect(g.threshold).toBeNull();
  });
});

describe("scaleFor", () => {
  it("zooms in around rates but stays inside [0, 1]", () => {
    const s = scaleFor([0.8, 0.9, 0.95]);
    expect(s.min).toBeGreaterThan(0.7);
    expect(s.min).toBeLessThan(0.8);
    expect(s.max).toBeGreaterThan(0.95);
    expect(scaleFor([0.9, 0.99]).max).toBe(1);
  });

  it("shows the whole [0, 1] when asked", () => {
    const s = scaleFor([0.81, 0.86], true);
    expect([s.min, s.max]).toEqual([0, 1]);
  });

  it("covers values beyond 1 (a log loss), never below 0", () => {
    const s = scaleFor([0.3, 1.7, null]);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.min).toBeLessThan(0.3);
    expect(s.max).toBeGreaterThan(1.7);
    expect(s.at(1.7)).toBeLessThan(100);
  });

  it("puts both sides of a comparison on one scale", () => {
    const s = scaleFor([0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    expect(s.at(0.7)).toBeGreaterThan(0);
    expect(s.at(0.95)).toBeLessThan(100);
    expect(s.at(0.75)).toBeLessThan(s.at(0.85));
  });
});

describe("formatting", () => {
  it("writes 3 significant digits and intervals", () => {
    expect(formatValue(0.83741)).toBe("0.837");
    expect(formatValue(null)).toBe("—");
    expect(formatInterval({ value: 0.8, low: 0.81283, high: 0.8586 })).toBe("[0.813, 0.859]");
    expect(formatInterval({ value: 0.8, low: null, high: null })).toBe("");
  });
});
