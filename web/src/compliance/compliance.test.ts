import { describe, expect, it } from "vitest";
import type { CompletenessRow, SignatureRecord } from "../api";
import { commands, shellQuote } from "./commands";
import { fieldLabels, filledText, percentFilled, segments, totalOf } from "./completeness";
import { countingApprovers, neededText, policyStatus } from "./signoffs";

const row = (item: number, counts: Partial<CompletenessRow>): CompletenessRow => {
  const base = { automatic: 0, attached: 0, manual: 0, missing: 0, missing_fields: [], ...counts };
  return { item, title: `item ${item}`, fields: base.automatic + base.attached + base.manual + base.missing, ...base };
};

const sig = (signer: string, patch: Partial<SignatureRecord> = {}): SignatureRecord => ({
  id: `sig_${signer}_${patch.time ?? 0}`, target: "model:m/1", record_hash: "h", key_id: `key_${signer}`, signer,
  meaning: "approve", signature: "s", time: 0, valid: true, problem: null, ...patch,
});

describe("completeness", () => {
  it("counts automatic, attached and manual fields as filled", () => {
    const r = row(1, { automatic: 3, attached: 1, manual: 2, missing: 4 });
    expect(percentFilled(r)).toBe(60);
    expect(percentFilled(row(2, {}))).toBe(100); // no fields: nothing to fill
    expect(percentFilled(row(3, { missing: 3 }))).toBe(0);
  });

  it("adds the rows up and writes N of M", () => {
    const total = totalOf([row(1, { automatic: 3, missing: 12 }), row(5, { attached: 1 }), row(7, { manual: 1, missing: 1 })]);
    expect(total).toEqual({ fields: 18, automatic: 3, attached: 1, manual: 1, missing: 13 });
    expect(filledText(total)).toBe("5 of 18 fields filled");
    expect(filledText({ fields: 1, automatic: 1, attached: 0, manual: 0, missing: 0 })).toBe("1 of 1 field filled");
  });

  it("makes bar segments that cover the whole bar, leaving out empty sources", () => {
    const parts = segments(row(1, { automatic: 1, missing: 3 }));
    expect(parts.map((p) => [p.source, p.width])).toEqual([["automatic", 25], ["missing", 75]]);
  });

  it("labels missing fields as the document does", () => {
    const labels = fieldLabels({ items: [{ number: 1, title: "t", reference: "r", fields: [
      { key: "provider.name", label: "Provider", source: "missing", value: null, draws_from: "provider.yaml provider.name" },
    ] }] });
    expect(labels.get("provider.name")).toBe("Provider");
  });
});

describe("sign-offs", () => {
  it("counts each signer's valid approvals once", () => {
    const found = [sig("alice", { time: 1 }), sig("alice", { time: 2 }), sig("bob", { valid: false, problem: "key revoked" }),
      sig("carol", { meaning: "review" })];
    expect(countingApprovers(found)).toEqual(["alice"]);
  });

  it("says how many more sign-offs each policy needs", () => {
    const rows = policyStatus({ staging: 1, production: 2 }, [sig("alice")]);
    expect(rows.map((r) => [r.alias, r.needed])).toEqual([["production", 1], ["staging", 0]]);
    expect(neededText(rows[0].needed)).toBe("1 more sign-off needed");
    expect(neededText(2)).toBe("2 more sign-offs needed");
    expect(neededText(0)).toBe("enough sign-offs");
    expect(policyStatus({ production: 2 }, [sig("a"), sig("b"), sig("c")])[0].needed).toBe(0);
  });

  it("writes the commands for the version, quoting where the shell needs it", () => {
    expect(commands("credit", 3).sign).toBe("trackrecord sign model models:/credit/3 --meaning approve");
    expect(commands("credit", 3).annexIv).toBe("trackrecord report annex-iv models:/credit/3 --manual provider.yaml");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
