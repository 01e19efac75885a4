import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunModel } from "../api";
import { formatTensors, Models } from "./Models";

const MODEL: RunModel = {
  run_id: "r1", name: "clf", digest: "d", flavor: "sklearn", format: "pickle", path: "models/clf", size: 9700, files: [{ path: "m.pkl", sha256: "s", size: 9700 }],
  meta: { frameworks: { "scikit-learn": "1.9.1" }, model_class: "LogisticRegression", risks: ["pickle runs code when loaded"],
    signature: { inputs: [{ name: "X", dtype: "float64", shape: [-1, 2] }], outputs: [] } },
  created_at: 0,
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("run Models", () => {
  it("shows the URI, signature, frameworks, risks and registered versions", async () => {
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      const body = url.endsWith("/runs/r1/models") ? [MODEL]
        : url.endsWith("/models") ? [{ name: "churn", project: "p" }, { name: "other", project: "q" }]
        : [{ model: "churn", version: 3, run_id: "r1", run_model: "clf", aliases: ["champion"], status: "ready" }];
      return new Response(JSON.stringify(body), { status: 200 });
    }));
    render(<Models runId="r1" project="p" />);
    expect(await screen.findByText("runs:/r1/clf")).toBeTruthy();
    expect(screen.getByText("X float64 (-1, 2)")).toBeTruthy();
    expect(screen.getByText("scikit-learn 1.9.1")).toBeTruthy();
    expect(screen.getByRole("note").textContent).toContain("pickle runs code when loaded");
    expect((await screen.findByText("churn v3")).getAttribute("href")).toBe("/models/churn");
  });

  it("writes tensors without a shape", () => {
    expect(formatTensors([{ name: null, dtype: "int8", shape: null }])).toBe("? int8");
    expect(formatTensors(undefined)).toBe("");
  });
});
