import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Identity, Run } from "../api";
import { RunPage } from "../pages/run";

// uPlot needs a real canvas; the chart has its own tests of the data it draws.
vi.mock("../chart/chart", () => ({
  MetricChart: ({ metric }: { metric: string }) => <figure class="chart" data-metric={metric} />,
}));

const RUN: Run = {
  id: "r1", project: "demo", name: "brave-run", status: "finished", group: null, parent: null, notes: "old",
  user: "ada", host: "box", created_at: 1_000_000, finished_at: 1_065_000, error: null, head_seq: 1, head_hash: "h",
  deleted_at: null, git_commit: "abcdef1234567", git_branch: "main", params: { "optimizer.lr": 0.1 }, tags: { best: "" },
  summaries: { loss: { key: "loss", count: 3, last: 0.5, last_step: 2, last_time: 0, max_step: 2, min: 0.5, max: 1 } },
};
const ADMIN: Identity = { user: "anonymous", is_admin: true, roles: {}, token: null, token_project: null };
const VIEWER: Identity = { user: "v", is_admin: false, roles: { demo: "viewer" }, token: null, token_project: null };

type Handler = (url: string, init?: RequestInit) => [number, unknown];

function serve(handler: Handler) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const [status, body] = handler(url, init);
    return new Response(JSON.stringify(body), { status });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

// the run's artifacts, datasets and models are lists, fetched once (not polled)
const isList = (url: string) => /\/(artifacts|datasets|models|console)$|\/evaluations\?/.test(url);
const basic: Handler = (url) => (isList(url) ? [200, []] : [200, RUN]);

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("RunPage", () => {
  it("shows the run's facts, params, summaries and one chart per metric", async () => {
    serve(basic);
    render(<RunPage runId="r1" identity={ADMIN} />);
    expect((await screen.findByRole("heading", { level: 1 })).textContent).toContain("brave-run");
    expect(screen.getByTestId("run-status").textContent).toBe("finished");
    expect(screen.getByText("1m 05s")).toBeTruthy();
    expect(screen.getByText("ada @ box")).toBeTruthy();
    expect(screen.getByText("abcdef1234")).toBeTruthy();
    expect(screen.getByText("optimizer")).toBeTruthy();
    expect(document.querySelector('figure.chart[data-metric="loss"]')).not.toBeNull();
  });

  it("saves notes with PATCH and shows the server's refusal", async () => {
    const fetchMock = serve((url, init) => {
      if (init?.method === "PATCH") return [423, { error: { code: "RUN_ACTIVE", message: "the run is still running" } }];
      return basic(url, init);
    });
    render(<RunPage runId="r1" identity={ADMIN} />);
    const notes = (await screen.findByLabelText("Notes")) as HTMLTextAreaElement;
    expect(notes.value).toBe("old");
    fireEvent.input(notes, { target: { value: "new" } });
    fireEvent.click(screen.getByRole("button", { name: "Save notes" }));
    expect((await screen.findByRole("alert")).textContent).toBe("the run is still running");
    const patch = fetchMock.mock.calls.find(([, init]) => init?.method === "PATCH")!;
    expect(patch[0]).toBe("/api/v1/runs/r1");
    expect(JSON.parse(String(patch[1]!.body))).toEqual({ notes: "new" });
  });

  it("shows the saved notes the server returns", async () => {
    serve((url, init) => (init?.method === "PATCH" ? [200, { ...RUN, notes: "kept" }] : basic(url, init)));
    render(<RunPage runId="r1" identity={{ ...VIEWER, roles: { demo: "editor" } }} />);
    fireEvent.input(await screen.findByLabelText("Notes"), { target: { value: "kept" } });
    fireEvent.click(screen.getByRole("button", { name: "Save notes" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect((screen.getByLabelText("Notes") as HTMLTextAreaElement).value).toBe("kept");
  });

  it("shows notes read-only to viewers", async () => {
    serve(basic);
    render(<RunPage runId="r1" identity={VIEWER} />);
    expect(await screen.findByText("old")).toBeTruthy();
    expect(screen.queryByLabelText("Notes")).toBeNull();
    expect(screen.queryByRole("button", { name: "Save notes" })).toBeNull();
  });

  it("shows the server's error when the run cannot be loaded", async () => {
    serve(() => [404, { error: { code: "NOT_FOUND", message: "no run r1" } }]);
    render(<RunPage runId="r1" identity={ADMIN} />);
    expect((await screen.findByRole("alert")).textContent).toBe("no run r1");
  });

  it("polls a running run until it finishes", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let polls = 0;
    serve((url) => {
      if (isList(url)) return [200, []];
      polls += 1;
      return [200, { ...RUN, status: polls < 3 ? "running" : "finished", finished_at: polls < 3 ? null : RUN.finished_at }];
    });
    render(<RunPage runId="r1" identity={ADMIN} />);
    expect((await screen.findByTestId("run-status")).textContent).toBe("running");
    await vi.advanceTimersByTimeAsync(1500);
    await vi.advanceTimersByTimeAsync(1500);
    await waitFor(() => expect(screen.getByTestId("run-status").textContent).toBe("finished"));
    await vi.advanceTimersByTimeAsync(6000);
    expect(polls).toBe(3);
  });
});
