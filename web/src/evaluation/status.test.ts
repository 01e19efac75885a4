import { describe, expect, it } from "vitest";
import { countOutcomes, criterionText, statusWord } from "./status";

describe("status words", () => {
  it("says PASS, FAIL, INCONCLUSIVE, and 'no criteria' without any", () => {
    expect(["pass", "fail", "inconclusive", "none"].map(statusWord)).toEqual(["PASS", "FAIL", "INCONCLUSIVE", "no criteria"]);
    expect(statusWord("weird")).toBe("weird");
  });

  it("writes criteria with their group", () => {
    expect(criterionText({ metric: "accuracy", op: ">=", threshold: 0.7, group: null })).toBe("accuracy ≥ 0.7");
    expect(criterionText({ metric: "ece", op: "<=", threshold: 0.05, group: "sex" })).toBe("ece ≤ 0.05 in every sex group");
  });

  it("counts outcomes", () => {
    expect(countOutcomes(["pass", "fail", "fail", "inconclusive"])).toEqual({ pass: 1, fail: 2, inconclusive: 1 });
  });
});
