import { cleanup, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DatasetUse, DatasetVersion } from "../api";
import { DatasetPage } from "../pages/dataset";

const V = (number: number, patch: Partial<DatasetVersion> = {}): DatasetVersion => ({
  project: "p", name: "clean", digest: `${number}`.repeat(64), number, kind: "dataframe", label: null, uri: null, size: 2048, rows: 4,
  schema: [{ name: "age", type: "float64" }, { name: "plan", type: "string" }],
  profile: { rows: 4, columns_total: 2, columns: [
    { name: "age", type: "float64", nulls: 1, min: 22, max: 45, distinct: 3 },
    { name: "plan", type: "string", nulls: 0, distinct: 2, top: [["free", 2], ["pro", 2]] },
  ] },
  sources: [{ kind: "s3", bucket: "data", key: "clean.parquet", version_id: "3HL4" }],
  datasheet: { origin: "CRM export", preparation: ["drop dupes", "fill"], license: "internal", custom_note: "hi" },
  description: null, manifest_sha256: null, first_run: "r0", created_at: 0, runs: 1, ...patch,
});
const USES: DatasetUse[] = [
  { run_id: "r1", project: "p", run_name: "prep", name: "clean", digest: "1".repeat(64), number: 1, role: "train", direction: "output", time: 1 },
];

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("DatasetPage", () => {
  it("shows the chosen version's profile, sources, datasheet and runs", async () => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      urls.push(url);
      const body = url.includes("/uses") ? USES : [V(2, { rows: 10 }), V(1)];
      return new Response(JSON.stringify(body), { status: 200 });
    }));
    render(<DatasetPage name="clean" params={new URLSearchParams("project=p&v=1")} />);
    const columns = await screen.findByRole("table", { name: "Columns" });
    const age = within(columns).getByText("age").closest("tr")!;
    expect([...age.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["age", "float64", "1", "3", "22", "45", ""]);
    expect(within(columns).getByText("free (2), pro (2)")).toBeTruthy();
    expect(document.querySelector("tr.selected")!.getAttribute("data-version")).toBe("1");
    expect(screen.getByText("Amazon S3")).toBeTruthy();
    expect(screen.getByText("3HL4")).toBeTruthy();
    expect(screen.getByLabelText("Datasheet").textContent).toContain("CRM export");
    expect(screen.getByText("custom note")).toBeTruthy();
    const runs = await screen.findByRole("table", { name: "Runs that used it" });
    expect(within(runs).getByText("prep").getAttribute("href")).toBe("/runs/r1");
    expect(within(runs).getByText("produced")).toBeTruthy();
    expect(urls).toContain("/api/v1/datasets/clean/versions?project=p");
    expect(urls).toContain(`/api/v1/datasets/clean/uses?digest=${"1".repeat(64)}&project=p`);
    expect(screen.getByText("Lineage").getAttribute("href")).toBe(`/lineage?node=${encodeURIComponent(`dataset:p/clean@${"1".repeat(64)}`)}`);
    expect(screen.getByText("project p")).toBeTruthy();
  });
});
