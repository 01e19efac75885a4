import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeJson, request } from "./api";

describe("decodeJson", () => {
  it("turns tagged non-finite floats back into numbers", () => {
    const value = decodeJson('{"a":[1.5,{"$float":"nan"},{"$float":"-inf"}],"b":{"$float":"inf"}}') as {
      a: number[];
      b: number;
    };
    expect(value.a[0]).toBe(1.5);
    expect(Number.isNaN(value.a[1])).toBe(true);
    expect(value.a[2]).toBe(-Infinity);
    expect(value.b).toBe(Infinity);
  });

  it("leaves objects that merely contain a $float key alone", () => {
    expect(decodeJson('{"$float":"nan","other":1}')).toEqual({ $float: "nan", other: 1 });
  });
});

describe("request", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends the client header that a server without auth requires on writes", async () => {
    const sent: Headers[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      sent.push(new Headers(init.headers));
      return new Response("{}", { status: 200 });
    });
    await request("/runs/x", { method: "PATCH", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(sent[0].get("X-TrackRecord-Client")).toBe("web");
    expect(sent[0].get("Content-Type")).toBe("application/json");
  });
});
