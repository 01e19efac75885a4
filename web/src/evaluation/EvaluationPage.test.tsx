import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EvaluationRecord, EvaluationResult, GroupCell, Verdict } from "../api";
import { EvaluationPage } from "../pages/evaluation";

// uPlot needs a real canvas; the curves' data has its own tests.
vi.mock("./Curves", () => ({ Curves: () => <div class="eval-curves" /> }));

const est = (value: number) => ({ value, low: value - 0.05, high: value + 0.05 });
const cell = (group: string, n: number, recall: number, small = false): GroupCell => ({
  group, level: "age", values: {}, n, small, small_reasons: small ? ["n=20 < 30"] : [], metrics: { recall: est(recall) },
});
const recallBy = { metric: "recall", op: ">=", threshold: 0.9, confidence: 0.95, group: "age" };
const VERDICTS: Verdict[] = [
  { criterion: { metric: "accuracy", op: ">=", threshold: 0.7, confidence: 0.95, group: null }, scope: "overall", group: null, n: 100, ...est(0.84), level: 0.95, outcome: "pass" },
  { criterion: recallBy, scope: "combined", group: null, n: 100, value: null, low: null, high: null, level: 0.95, outcome: "fail" },
  { criterion: recallBy, scope: "group", group: "age=old", n: 80, ...est(0.8), level: 0.95, outcome: "fail" },
  { criterion: recallBy, scope: "group", group: "age=young", n: 20, ...est(0.88), level: 0.95, outcome: "inconclusive" },
];
const RECORD: EvaluationRecord = {
  id: "eval_1", run_id: "run1", seq: 1, time: 0, started_at: 0, target: "model:credit/1", dataset_name: "holdout",
  dataset_digest: "abcdef0123456789", criteria_id: null, task: "binary", n: 100, status: "fail",
  metrics: { accuracy: est(0.84) }, verdicts: VERDICTS, limitations: [], result_path: "e.json", result_sha256: "sha",
};
const RESULT: EvaluationResult = {
  format: "trackrecord-evaluation-v1", task: "binary", n: 100, seed: 7, n_resamples: 200, confidence: 0.95, labels: [0, 1],
  positive_label: 1, metrics: { accuracy: est(0.84), recall: est(0.82) },
  methods: { accuracy: { method: "wilson", level: 0.95 }, recall: { method: "bootstrap-stratified", level: 0.95, resamples: 200, seed: 7 } },
  confusion_matrix: [[40, 10], [6, 44]], groups: { age: [cell("age=old", 80, 0.8), cell("age=young", 20, 0.88, true)] },
  worst: { recall: [{ group: "age=old", level: "age", n: 80, small: false, ...est(0.8) }] }, verdicts: VERDICTS, curves: {},
  limitations: [{ kind: "small_group", text: "age=young has only 20 rows" }], warnings: ["labels were imbalanced"],
};
const OTHER: EvaluationRecord = { ...RECORD, id: "eval_2", status: "pass", time: 1 };

function serve() {
  const fetchMock = vi.fn(async (url: string) => {
    const body = url.includes("/artifacts/") ? RESULT : url.includes("?target=") ? [OTHER, RECORD] : RECORD;
    return new Response(JSON.stringify(body), { status: 200 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("EvaluationPage", () => {
  it("shows the status, each criterion's verdict and the group verdicts", async () => {
    serve();
    render(<EvaluationPage id="eval_1" />);
    expect((await screen.findByText("FAIL")).className).toContain("eval-status fail");
    const criteria = await screen.findByLabelText("Criteria");
    const items = criteria.querySelectorAll(":scope > li");
    expect(items[0].textContent).toContain("accuracy ≥ 0.7 pass");
    expect(items[1].textContent).toContain("recall ≥ 0.9 in every age group fail");
    expect(items[1].textContent).toContain("2 groups: 0 pass, 1 fail, 1 inconclusive");
    const young = items[1].querySelector('tr[data-group="age=young"]')!;
    expect(young.textContent).toContain("inconclusive");
    expect(young.querySelector(".ibar-threshold")).not.toBeNull();
  });

  it("shows metrics with methods, groups sortable with small and worst cells, and the confusion matrix", async () => {
    serve();
    render(<EvaluationPage id="eval_1" />);
    const metrics = await screen.findByLabelText("Metrics");
    expect(metrics.querySelector('tr[data-metric="recall"]')!.textContent).toContain("0.82[0.77, 0.87]");
    expect(metrics.textContent).toContain("bootstrap-stratified, 200 resamples, seed 7, 95%");
    const groups = screen.getByLabelText("Groups");
    const order = () => [...groups.querySelectorAll("tbody tr")].map((r) => r.getAttribute("data-group"));
    expect(order()).toEqual(["age=old", "age=young"]);
    fireEvent.click(screen.getByRole("button", { name: "recall" }));
    fireEvent.click(screen.getByRole("button", { name: "recall ▲" }));
    expect(order()).toEqual(["age=young", "age=old"]);
    expect(groups.querySelector('tr[data-group="age=young"] .small-flag')!.textContent).toContain("n=20 < 30");
    expect(groups.querySelector('tr[data-group="age=old"] td.worst')!.getAttribute("data-metric")).toBe("recall");
    const cm = screen.getByLabelText("Confusion matrix");
    expect([...cm.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["40", "10", "6", "44"]);
    expect(screen.getByText("age=young has only 20 rows")).toBeTruthy();
    expect(screen.getByText("labels were imbalanced")).toBeTruthy();
  });

  it("offers the target's other evaluations to compare with", async () => {
    serve();
    render(<EvaluationPage id="eval_1" />);
    const select = (await screen.findByLabelText("Compare with")) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["", "eval_2"]);
    fireEvent.change(select, { target: { value: "eval_2" } });
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/evaluations/compare?a=eval_1&b=eval_2"));
  });
});
