import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ComparePage } from "../pages/compare";

vi.mock("../chart/chart", () => ({
  MetricChart: ({ metric, runs }: { metric: string; runs: { id: string }[] }) => (
    <div data-testid="chart" data-metric={metric}>{runs.map((r) => r.id).join(",")}</div>
  ),
}));

const summary = (key: string, last: number) => ({ key, count: 3, last, last_step: 2, last_time: 0, max_step: 2, min: last, max: 2 });
const RUNS: Record<string, object> = {
  a: { id: "a", name: "run-a", status: "finished", params: { lr: 0.1, opt: "adam", seed: 1 }, tags: {}, summaries: { loss: summary("loss", 0.5), acc: summary("acc", 0.9) } },
  b: { id: "b", name: "run-b", status: "running", params: { lr: 0.01, opt: "adam", seed: 1 }, tags: {}, summaries: { loss: summary("loss", 0.3) } },
};

beforeEach(() => {
  window.history.replaceState(null, "", "/compare?run=a&run=b");
  vi.stubGlobal("fetch", vi.fn(async (url: string) => {
    const run = RUNS[url.split("/").pop() ?? ""];
    return new Response(JSON.stringify(run ?? { error: { code: "NOT_FOUND", message: "no such run" } }), { status: run ? 200 : 404 });
  }));
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

const page = (query: string) => render(<ComparePage params={new URLSearchParams(query)} />);

describe("ComparePage", () => {
  it("lists the runs, marks differing rows and draws the plots", async () => {
    page("run=a&run=b");
    const list = await screen.findByTestId("compare-runs");
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["run-afinished", "run-brunning"]);
    const differing = [...document.querySelectorAll("tr.differs th")].map((th) => th.textContent);
    expect(differing).toEqual(["lr", "acc · last", "acc · min", "acc · max", "loss · last", "loss · min"]);
    expect(screen.getAllByTestId("chart").map((c) => c.dataset.metric)).toEqual(["loss"]);
    expect(screen.getByTestId("parallel-coordinates").querySelectorAll("path.run-line")).toHaveLength(2);
    expect(screen.getByTestId("scatter").querySelectorAll("circle")).toHaveLength(2);
  });

  it("puts the only-differences toggle into the URL and hides equal rows", async () => {
    const { rerender } = page("run=a&run=b");
    fireEvent.click(await screen.findByLabelText("Only differences"));
    expect(new URLSearchParams(window.location.search).get("diff")).toBe("1");
    rerender(<ComparePage params={new URLSearchParams(window.location.search)} />);
    const rowKeys = () => [...document.querySelectorAll("table.diff th[scope=row]")].map((th) => th.textContent);
    await waitFor(() => expect(rowKeys()).not.toContain("opt"));
    expect(rowKeys()).toContain("lr");
    expect(rowKeys()).not.toContain("loss · max");
  });

  it("reads the scatter axes from the URL", async () => {
    page("run=a&run=b&sx=p:seed&sy=m:acc");
    expect((await screen.findByLabelText("Scatter x") as HTMLSelectElement).value).toBe("p:seed");
    expect((screen.getByLabelText("Scatter y") as HTMLSelectElement).value).toBe("m:acc");
    expect(screen.getByTestId("scatter").querySelectorAll("circle")).toHaveLength(1);
  });

  it("shows the server's error", async () => {
    page("run=a&run=zzz");
    expect((await screen.findByRole("alert")).textContent).toBe("no such run");
  });
});
