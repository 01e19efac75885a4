import { describe, expect, it } from "vitest";
import type { Json, RegistryEvent } from "../api";
import { describeEvent, isAliasEvent } from "./history";

const ev = (type: string, body: Record<string, Json>): RegistryEvent => ({ seq: 1, type, time: 0, prev: "", hash: "", body: { actor: "ada", reason: null, ...body } });

describe("describeEvent", () => {
  it("tells alias moves from first sets and removals", () => {
    expect(describeEvent(ev("alias.set", { alias: "champion", version: 1, previous: null }))).toBe("set alias @champion on v1");
    expect(describeEvent(ev("alias.set", { alias: "champion", version: 3, previous: 1 }))).toBe("moved alias @champion from v1 to v3");
    expect(describeEvent(ev("alias.delete", { alias: "champion", previous: 3 }))).toBe("removed alias @champion (was on v3)");
    expect(isAliasEvent(ev("alias.delete", {}))).toBe(true);
    expect(isAliasEvent(ev("version.create", {}))).toBe(false);
  });

  it("tells registrations, deprecations and unknown events", () => {
    expect(describeEvent(ev("version.create", { version: 2, run_id: "r1", run_model: "clf" }))).toBe("registered v2 from run r1 (clf)");
    expect(describeEvent(ev("version.update", { version: 2, status: "deprecated" }))).toBe("deprecated v2");
    expect(describeEvent(ev("model.update", { description: "x" }))).toBe("updated the model's description");
    expect(describeEvent(ev("model.create", {}))).toBe("created the model");
    expect(describeEvent(ev("model.rename", {}))).toBe("model.rename");
  });
});
