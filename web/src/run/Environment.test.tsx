import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Environment } from "./Environment";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function serve(body: unknown, status = 200) {
  const urls: string[] = [];
  vi.stubGlobal("fetch", (url: string) => {
    urls.push(url);
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  });
  return urls;
}

describe("Environment", () => {
  it("shows what was captured as closed groups", async () => {
    const urls = serve({ python: { version: "3.11.7" }, git: { commit: "abc123", dirty: false } });
    const { container } = render(<Environment runId="r1" />);
    await screen.findByText("python");
    expect(urls).toEqual(["/api/v1/runs/r1/environment"]);
    const groups = [...container.querySelectorAll("details")];
    expect(groups.map((d) => d.querySelector("summary")?.textContent)).toEqual(["git", "python"]);
    expect(groups.every((d) => !d.open)).toBe(true);
    expect(container.textContent).toContain("3.11.7");
  });

  it("says when nothing was captured, and shows errors", async () => {
    serve({});
    render(<Environment runId="r2" />);
    await screen.findByText(/capture was off/);
    cleanup();
    serve({ error: { code: "NOT_FOUND", message: "no run with id 'r3'" } }, 404);
    render(<Environment runId="r3" />);
    expect((await screen.findByRole("alert")).textContent).toContain("no run with id");
  });
});
