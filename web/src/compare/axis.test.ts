import { describe, expect, it } from "vitest";
import { axisTicks, buildAxis, niceTicks, normalise } from "./axis";

describe("buildAxis and normalise", () => {
  it("maps numbers linearly onto [0, 1], skipping missing and non-finite values", () => {
    const axis = buildAxis([2, 4, undefined, NaN, 6]);
    expect(axis).toEqual({ kind: "numeric", min: 2, max: 6 });
    expect(normalise(axis, 2)).toBe(0);
    expect(normalise(axis, 5)).toBe(0.75);
    expect(normalise(axis, 6)).toBe(1);
    expect(normalise(axis, NaN)).toBeNull();
    expect(normalise(axis, undefined)).toBeNull();
  });
  it("puts a constant numeric axis in the middle", () => {
    expect(normalise(buildAxis([3, 3]), 3)).toBe(0.5);
  });
  it("spaces categories evenly, in sorted order", () => {
    const axis = buildAxis(["sgd", "adam", "sgd", "rmsprop"]);
    expect(axis).toEqual({ kind: "categorical", categories: ["adam", "rmsprop", "sgd"] });
    expect(["adam", "rmsprop", "sgd"].map((c) => normalise(axis, c))).toEqual([0, 0.5, 1]);
    expect(normalise(buildAxis(["only"]), "only")).toBe(0.5);
  });
  it("treats a mix of numbers, booleans and objects as categories", () => {
    const axis = buildAxis([1, true, { a: 1 }]);
    expect(axis.kind).toBe("categorical");
    expect(normalise(axis, true)).not.toBeNull();
    expect(normalise(axis, 1)).not.toBeNull();
  });
});

describe("niceTicks", () => {
  it("picks round steps inside the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 4)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(0.0013, 0.0042, 3)).toEqual([0.002, 0.003, 0.004]);
  });
  it("gives one tick for an empty range", () => {
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});

describe("axisTicks", () => {
  it("places numeric ticks by normalised position", () => {
    const ticks = axisTicks({ kind: "numeric", min: 0, max: 10 }, 2);
    expect(ticks).toEqual([{ at: 0, label: "0" }, { at: 0.5, label: "5" }, { at: 1, label: "10" }]);
  });
  it("labels every category", () => {
    expect(axisTicks({ kind: "categorical", categories: ["a", "b"] })).toEqual([{ at: 0, label: "a" }, { at: 1, label: "b" }]);
  });
});
