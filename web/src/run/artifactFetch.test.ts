import { afterEach, describe, expect, it, vi } from "vitest";
import { setToken } from "../api";
import { fetchArtifact } from "./artifactFetch";

afterEach(() => {
  setToken(null);
  vi.unstubAllGlobals();
});

describe("fetchArtifact", () => {
  it("sends the API token, which a plain download link cannot", async () => {
    const fetchMock = vi.fn(async () => new Response("hi"));
    vi.stubGlobal("fetch", fetchMock);
    setToken("secret");
    const blob = await fetchArtifact("abc");
    expect(await blob.text()).toBe("hi");
    expect(fetchMock).toHaveBeenCalledWith("/api/v1/artifacts/abc", { headers: { Authorization: "Bearer secret" } });
  });

  it("says what failed", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("", { status: 404, statusText: "Not Found" })));
    await expect(fetchArtifact("abc")).rejects.toThrow("404 Not Found");
  });
});
