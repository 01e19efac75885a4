import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ModelVersion, RegisteredModel, RegistryEvent } from "../api";
import { ModelPage } from "../pages/model";

const MODEL: RegisteredModel = {
  name: "churn", project: "proj", description: "Predicts churn", tags: { team: "growth" }, created_at: 0, created_by: "ada",
  updated_at: 0, latest_version: 2, aliases: { champion: 1 }, head_seq: 4, head_hash: "f17eedf7edd8e31aad06e4496183",
};
const version = (v: number, patch: Partial<ModelVersion> = {}): ModelVersion => ({
  model: "churn", version: v, run_id: `run${v}`, run_model: "clf", digest: `d${v}`.padEnd(64, "0"), flavor: "sklearn", files: [],
  description: null, tags: {}, status: "ready", status_reason: null, created_at: 0, created_by: "ada", aliases: [], ...patch,
});
const HISTORY: RegistryEvent[] = [
  { seq: 1, type: "model.create", time: 0, prev: "0", hash: "a1", body: { actor: "ada", reason: null } },
  { seq: 4, type: "alias.set", time: 1, prev: "a1", hash: "b2", body: { actor: "bob", reason: "best auc", alias: "champion", version: 1, previous: null } },
];

function serve(onWrite: (url: string, init: RequestInit) => [number, unknown]) {
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    if (init.method && init.method !== "GET") return reply(...onWrite(url, init));
    if (url.endsWith("/versions")) return reply(200, [version(2, { status: "deprecated", status_reason: "leaky" }), version(1, { aliases: ["champion"] })]);
    if (url.endsWith("/history")) return reply(200, HISTORY);
    return reply(200, MODEL);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("ModelPage", () => {
  it("shows versions with status, aliases, and the history with actor and reason", async () => {
    serve(() => [200, {}]);
    render(<ModelPage name="churn" />);
    expect(await screen.findByText("Predicts churn")).toBeTruthy();
    await waitFor(() => expect(document.querySelector('tr[data-version="2"]')).not.toBeNull());
    expect(document.querySelector('tr[data-version="2"] .model-status')!.textContent).toBe("deprecated: leaky");
    expect(screen.getByLabelText("Aliases of v1").textContent).toContain("@champion");
    expect(screen.getByTestId("head-hash").textContent).toBe("#4 f17eedf7edd8");
    const entries = (await screen.findByLabelText("History")).querySelectorAll("li");
    expect(entries[0].textContent).toContain("bob set alias @champion on v1");
    expect(entries[0].textContent).toContain("best auc");
  });

  it("sets an alias with a reason and reloads", async () => {
    const fetchMock = serve(() => [200, {}]);
    render(<ModelPage name="churn" />);
    fireEvent.click((await screen.findAllByRole("button", { name: "Set alias…" }))[0]);
    const submit = screen.getByRole("button", { name: "Set alias" }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // a reason is required
    fireEvent.input(screen.getByLabelText("Alias"), { target: { value: "challenger" } });
    fireEvent.input(screen.getByLabelText("Reason"), { target: { value: "try it" } });
    fireEvent.click(submit);
    await waitFor(() => expect(screen.queryByLabelText("Reason")).toBeNull());
    const put = fetchMock.mock.calls.find(([, init]) => init?.method === "PUT")!;
    expect(put[0]).toBe("/api/v1/models/churn/aliases/challenger");
    expect(JSON.parse(String(put[1]!.body))).toEqual({ version: 2, reason: "try it" });
  });

  it("shows a refusal (403) as a readable message", async () => {
    serve(() => [403, { error: { code: "FORBIDDEN", message: "v is a viewer of proj" } }]);
    render(<ModelPage name="churn" />);
    fireEvent.click(await screen.findByRole("button", { name: "Deprecate…" }));
    fireEvent.input(screen.getByLabelText("Reason"), { target: { value: "old" } });
    fireEvent.click(screen.getByRole("button", { name: "Deprecate" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Not allowed: v is a viewer of proj");
    expect(alert.textContent).toContain("editor role");
  });
});
