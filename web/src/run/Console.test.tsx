import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Console } from "./Console";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function serve(body: unknown) {
  const urls: string[] = [];
  vi.stubGlobal("fetch", (url: string) => {
    urls.push(url);
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  });
  return urls;
}

describe("Console", () => {
  it("shows each line with its offset, stderr marked", async () => {
    const urls = serve({ lines: [[1000, "stdout", "epoch 0"], [2500, "stderr", "warning: slow"]] });
    render(<Console runId="r1" live={false} />);
    await screen.findByText(/epoch 0/);
    expect(urls).toEqual(["/api/v1/runs/r1/console"]);
    const warning = screen.getByText(/warning: slow/);
    expect(warning.closest("div")?.className).toBe("console-stderr");
    expect(screen.getByText("+1.5s")).toBeTruthy();
    expect(screen.getByText(/2 lines/)).toBeTruthy();
  });

  it("says when nothing was printed", async () => {
    serve({ lines: [] });
    render(<Console runId="r1" live={false} />);
    expect(await screen.findByText(/Nothing was printed/)).toBeTruthy();
  });
});
