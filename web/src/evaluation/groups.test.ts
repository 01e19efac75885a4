import { describe, expect, it } from "vitest";
import type { GroupCell } from "../api";
import { groupLevels, nextSort, sortCells, worstAt } from "./groups";

const cell = (group: string, n: number, accuracy: number | null, brier = 0.1): GroupCell => ({
  group, level: "age", values: {}, n, small: n < 30, small_reasons: n < 30 ? [`n=${n} < 30`] : [],
  metrics: { accuracy: { value: accuracy, low: null, high: null }, brier: { value: brier, low: null, high: null } },
});
const CELLS = [cell("age=18-30", 300, 0.8), cell("age=31-50", 400, 0.9), cell("age=70+", 20, null), cell("age=51+", 280, 0.7)];

describe("group table sorting", () => {
  it("sorts by a metric, unknown values last in both directions", () => {
    const up = sortCells(CELLS, { key: "accuracy", descending: false }).map((c) => c.group);
    expect(up).toEqual(["age=51+", "age=18-30", "age=31-50", "age=70+"]);
    const down = sortCells(CELLS, { key: "accuracy", descending: true }).map((c) => c.group);
    expect(down).toEqual(["age=31-50", "age=18-30", "age=51+", "age=70+"]);
  });

  it("sorts by n and by name", () => {
    expect(sortCells(CELLS, { key: "n", descending: false })[0].group).toBe("age=70+");
    expect(sortCells(CELLS, { key: "group", descending: true })[0].group).toBe("age=70+");
  });

  it("sorts worst first on a new column and flips on the same one", () => {
    expect(nextSort({ key: "group", descending: false }, "accuracy")).toEqual({ key: "accuracy", descending: false });
    expect(nextSort({ key: "group", descending: false }, "brier")).toEqual({ key: "brier", descending: true });
    expect(nextSort({ key: "accuracy", descending: false }, "accuracy")).toEqual({ key: "accuracy", descending: true });
  });
});

describe("levels and worst cells", () => {
  it("lists columns before intersections", () => {
    expect(groupLevels({ "sex & age": [], sex: [], age: [] })).toEqual(["age", "sex", "sex & age"]);
  });

  it("names the worst group of each metric at a level", () => {
    const worst = {
      accuracy: [
        { group: "sex=M & age=18-30", level: "sex & age", n: 9, small: true, value: 0.5, low: 0.4, high: 0.6 },
        { group: "age=51+", level: "age", n: 280, small: false, value: 0.7, low: 0.6, high: 0.8 },
      ],
    };
    expect(worstAt(worst, "age").get("accuracy")).toBe("age=51+");
    expect(worstAt(worst, "sex").has("accuracy")).toBe(false);
  });
});
