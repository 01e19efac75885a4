import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnnexIV, EvaluationRecord, ModelVersion, Retention, SignatureRecord } from "../api";
import { CompliancePage } from "../pages/compliance";

const DOC: AnnexIV = {
  format: "trackrecord-annex-iv-v1", title: "t", subject: { model: "churn", version: 1, uri: "models:/churn/1", digest: "d".repeat(64) },
  as_of: "2026-01-01T00:00:00.000Z",
  items: [
    { number: 1, title: "General description", reference: "Annex IV(1)", fields: [
      { key: "provider.name", label: "Provider", source: "missing", value: null, draws_from: "provider.yaml provider.name", asks: "1(a): who" },
      { key: "records.model_version", label: "Model version", source: "automatic", value: "v1", draws_from: "registry" },
    ] },
    { number: 5, title: "Risk management system", reference: "Annex IV(5)", fields: [
      { key: "risk_management.system", label: "Risk management", source: "attached", value: null, draws_from: "provider.yaml" },
    ] },
  ],
  completeness: {
    items: [
      { item: 1, title: "General description", fields: 2, automatic: 1, attached: 0, manual: 0, missing: 1, missing_fields: ["provider.name"] },
      { item: 5, title: "Risk management system", fields: 1, automatic: 0, attached: 1, manual: 0, missing: 0, missing_fields: [] },
    ],
    total: { fields: 3, automatic: 1, attached: 1, manual: 0, missing: 1 },
    complete: false,
  },
  built_from: {},
  verification: null,
};
const VERSION: ModelVersion = {
  model: "churn", version: 1, run_id: "r1", run_model: "clf", digest: "d".repeat(64), flavor: "sklearn", files: [], description: null,
  tags: {}, status: "ready", status_reason: null, created_at: 0, created_by: "ada", aliases: ["staging"],
};
const EVALUATION: EvaluationRecord = {
  id: "eval_1", run_id: "r2", seq: 1, time: 0, started_at: 0, target: "model:churn/1", dataset_name: "holdout", dataset_digest: "x",
  criteria_id: null, task: "binary", n: 100, status: "pass", metrics: {}, limitations: [], result_path: "p", result_sha256: "s",
  verdicts: [{ criterion: { metric: "accuracy", op: ">=", threshold: 0.7, confidence: 0.95, group: null }, scope: "overall", group: null,
    n: 100, value: 0.8, low: 0.75, high: 0.85, level: 0.95, outcome: "pass" }],
};
const SIGNATURES: SignatureRecord[] = [
  { id: "sig_a", target: "model:churn/1", record_hash: "h", key_id: "key_a", signer: "alice", meaning: "approve", signature: "s", time: 1, valid: true, problem: null },
  { id: "sig_b", target: "model:churn/1", record_hash: "h", key_id: "key_b", signer: "bob", meaning: "approve", signature: "s", time: 2, valid: false, problem: "the record changed since it was signed" },
];
const RETENTION: Retention = {
  placed: { placed_at: Date.UTC(2026, 0, 1), retention_days: 3652, actor: "alice", until: Date.UTC(2036, 0, 1) },
  holds: [{ id: "hold_1", target: "model:churn/1", reason: "case 1", actor: "alice", created_at: 0 }],
  log_retention_days: 180,
};

function serve(verification: AnnexIV["verification"] = null) {
  const fetchMock = vi.fn(async (url: string) => {
    const reply = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
    if (url.includes("/annex-iv")) return reply(url.includes("verify=true") ? { ...DOC, verification } : DOC);
    if (url.includes("/signatures")) return reply(url.includes("evaluation%3A") ? [] : SIGNATURES);
    if (url.endsWith("/policies")) return reply({ production: 2 });
    if (url.endsWith("/retention")) return reply(RETENTION);
    if (url.includes("/evaluations")) return reply([EVALUATION]);
    if (url.endsWith("/versions/1")) return reply(VERSION);
    return reply({ name: "churn", project: "proj", aliases: {} });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("CompliancePage", () => {
  it("shows completeness, verdicts, sign-offs and retention", async () => {
    serve();
    render(<CompliancePage name="churn" version="1" />);
    expect((await screen.findByTestId("filled")).textContent).toBe("2 of 3 fields filled");
    const item1 = document.querySelector('tr[data-item="1"]')!;
    expect(item1.querySelector('[data-count="missing"]')!.textContent).toBe("1");
    expect(screen.getByLabelText("Missing in item 1").textContent).toContain("Provider");
    expect(document.querySelector('tr[data-item="5"]')!.textContent).toContain("complete");
    expect(screen.getByText("trackrecord report annex-iv models:/churn/1 --manual provider.yaml")).toBeTruthy();
    await waitFor(() => expect(document.querySelector('li[data-alias="production"]')).not.toBeNull());
    const production = document.querySelector('li[data-alias="production"]')!;
    expect(production.textContent).toContain("approved by alice");
    expect(production.querySelector(".needed")!.textContent).toBe("1 more sign-off needed");
    const bob = document.querySelector('tr[data-signer="bob"]')!;
    expect(bob.textContent).toContain("INVALID: the record changed since it was signed");
    expect((await screen.findByTestId("market")).textContent).toContain("kept until 2036-01-01");
    expect(screen.getByLabelText("Legal holds").textContent).toContain("case 1");
    expect((await screen.findByText("eval_1")).getAttribute("href")).toBe("/evaluations/eval_1");
    expect(screen.getByLabelText("Criteria").querySelector(".outcome")!.textContent).toBe("pass");
    const links = [...document.querySelectorAll<HTMLAnchorElement>("a.download")].map((a) => a.getAttribute("href"));
    expect(links).toEqual([
      "/api/v1/models/churn/versions/1/annex-iv?format=html",
      "/api/v1/models/churn/versions/1/annex-iv?format=pdf",
      "/api/v1/models/churn/versions/1/annex-iv",
    ]);
  });

  it("verifies on demand and lists failed checks", async () => {
    const fetchMock = serve({ ok: false, checks_total: 2, failed: 1, not_reachable: 0, checks: [
      { kind: "model", target: "model:churn/1", ok: true, detail: "fine", skipped: false },
      { kind: "artifact", target: "artifact:abc", ok: false, detail: "hash differs", skipped: false },
    ] });
    render(<CompliancePage name="churn" version="1" />);
    fireEvent.click(await screen.findByRole("button", { name: "Verify now" }));
    expect((await screen.findByLabelText("Failed checks")).textContent).toContain("hash differs");
    expect(document.querySelector(".verify-result")!.textContent).toBe("FAILED");
    expect(fetchMock.mock.calls.some(([url]) => String(url).endsWith("/annex-iv?verify=true"))).toBe(true);
  });
});
