import { describe, expect, it } from "vitest";
import { columnRows, formatTop } from "./Profile";
import { formatAgo, formatCount, formatJson, humanize, shortDigest } from "./format";
import { filterByName } from "../pages/datasets";

describe("catalog formats", () => {
  it("shortens digests and writes counts and JSON values", () => {
    expect(shortDigest("6755ea9239b76cc4e159dd6e")).toBe("6755ea9239b7");
    expect(shortDigest(null)).toBe("");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatJson(null)).toBe("—");
    expect(formatJson(0.1234567891)).toBe("0.123457");
    expect(formatJson(false)).toBe("false");
    expect(formatJson({ a: 1 })).toBe('{"a":1}');
    expect(humanize("known_gaps")).toBe("known gaps");
  });

  it("says how long ago", () => {
    const now = 1_000_000_000_000;
    expect(formatAgo(now - 10_000, now)).toBe("just now");
    expect(formatAgo(now - 60_000, now)).toBe("1 minute ago");
    expect(formatAgo(now - 3 * 3600_000, now)).toBe("3 hours ago");
    expect(formatAgo(now - 2 * 86400_000, now)).toBe("2 days ago");
    expect(formatAgo(now - 90 * 86400_000, now)).toMatch(/^\d{4}-\d\d-\d\d /);
  });

  it("writes top values and merges schema with profile", () => {
    expect(formatTop([["free", 2], [true, 1]])).toBe("free (2), true (1)");
    const rows = columnRows([{ name: "a", type: "int64" }, { name: "b", type: "string" }], {
      columns: [{ name: "a", type: "int64", nulls: 1, min: 0, max: 9 }, { name: "extra", type: "x" }],
    });
    expect(rows.map((r) => r.name)).toEqual(["a", "b", "extra"]);
    expect(rows[0].nulls).toBe(1);
  });

  it("filters names by every word", () => {
    const items = [{ name: "churn-train" }, { name: "churn-eval" }, { name: "fraud" }];
    expect(filterByName(items, "churn TRAIN").map((i) => i.name)).toEqual(["churn-train"]);
    expect(filterByName(items, "  ")).toHaveLength(3);
  });
});
