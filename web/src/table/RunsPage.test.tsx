import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../api";
import { RunsPage } from "../pages/runs";
import { navigate, useLocation } from "../router";
import { makeRun, summary } from "./testRuns";

const identity = { user: "ana", is_admin: true, roles: {}, token: null, token_project: null };
const BAD_QUERY = "unknown field 'paramz.lr' (at position 0)\n  paramz.lr < 1\n  ^";

function Page() {
  const location = useLocation();
  return <RunsPage params={location.params} identity={identity} />;
}

let runs: Run[] = [];
let requests: URL[] = [];

function respond(status: number, body: unknown) {
  return Promise.resolve(new Response(JSON.stringify(body), { status }));
}

beforeEach(() => {
  requests = [];
  navigate("/", true);
  vi.stubGlobal("fetch", (input: string) => {
    const url = new URL(input, "http://localhost");
    requests.push(url);
    if (url.pathname === "/api/v1/projects") return respond(200, [{ name: "p", created_at: 0, run_count: runs.length }]);
    if (url.searchParams.get("q")?.startsWith("paramz")) return respond(400, { error: { code: "INVALID", message: BAD_QUERY } });
    return respond(200, { runs, next_cursor: null });
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("RunsPage", () => {
  it("renders only a window of 10,000 runs and sorts on the server by header click", async () => {
    runs = Array.from({ length: 10000 }, (_, i) =>
      makeRun(`r${i}`, { params: { lr: i }, summaries: { loss: summary("loss", i) } }));
    const { container } = render(<Page />);
    await screen.findByText("10000 runs");
    const shown = container.querySelectorAll("tr[data-run-id]").length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(100);
    expect(requests.find((u) => u.pathname === "/api/v1/runs")?.searchParams.get("limit")).toBe("200"); // first page

    const created = container.querySelector('th[data-column="created"]')!;
    expect(created.getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(container.querySelector('th[data-column="name"]')!);
    expect(window.location.search).toBe("?order=name");
    await waitFor(() => expect(requests.at(-1)?.searchParams.getAll("order")).toEqual(["name"]));
    expect(container.querySelector('th[data-column="name"]')!.getAttribute("aria-sort")).toBe("ascending");
  });

  it("shows the server's error under the filter box and keeps the rows", async () => {
    runs = [makeRun("a"), makeRun("b")];
    const { container } = render(<Page />);
    await screen.findByText("2 runs");
    const box = screen.getByLabelText("Filter runs") as HTMLInputElement;
    fireEvent.input(box, { target: { value: "paramz.lr < 1" } });
    fireEvent.keyDown(box, { key: "Enter" });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(BAD_QUERY);
    expect(alert.tagName).toBe("PRE");
    expect(window.location.search).toBe("?q=paramz.lr+%3C+1");
    expect(container.querySelectorAll("tr[data-run-id]").length).toBe(2);
  });

  it("offers field names as a listbox chosen by keyboard", async () => {
    runs = [makeRun("a", { params: { lr: 0.1, layers: 2 } })];
    render(<Page />);
    await screen.findByText("1 run");
    const box = screen.getByLabelText("Filter runs") as HTMLInputElement;
    fireEvent.input(box, { target: { value: "params.l", selectionStart: 8 } });
    const options = within(screen.getByRole("listbox")).getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual(["params.layers", "params.lr"]);
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(box.value).toBe("params.lr");
    expect(screen.queryByRole("listbox")).toBeNull();
  });

  it("compares the selected runs and selects with Space", async () => {
    runs = [makeRun("a"), makeRun("b"), makeRun("c")];
    const { container } = render(<Page />);
    await screen.findByText("3 runs");
    const compare = screen.getByLabelText("Compare selected runs") as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    fireEvent.click(screen.getByLabelText("select run run-a"));
    const rowC = container.querySelector('tr[data-run-id="c"]') as HTMLElement;
    fireEvent.keyDown(rowC, { key: " " });
    expect(compare.disabled).toBe(false);
    fireEvent.click(compare);
    expect(window.location.pathname + window.location.search).toBe("/compare?run=a&run=c");
  });

  it("selects every run, or none, from the header", async () => {
    runs = [makeRun("a"), makeRun("b"), makeRun("c")];
    render(<Page />);
    await screen.findByText("3 runs");
    const all = screen.getByLabelText("select all runs") as HTMLInputElement;
    fireEvent.click(all);
    expect(screen.getByLabelText("Compare selected runs").textContent).toContain("3");
    expect(all.checked).toBe(true);
    fireEvent.click(all);
    expect(screen.getByLabelText("Compare selected runs").textContent).toContain("0");
    expect((screen.getByLabelText("select run run-b") as HTMLInputElement).checked).toBe(false);
  });

  it("refreshes while a run is running", async () => {
    runs = [makeRun("a", { status: "running" })];
    const { container } = render(<Page />);
    await screen.findByText("1 run");
    runs = [makeRun("a", { status: "finished" })];
    await waitFor(
      () => expect(container.querySelector('tr[data-run-id="a"] td[data-column="status"]')!.textContent).toBe("finished"),
      { timeout: 4000 },
    );
  });
});
