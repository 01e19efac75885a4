import { describe, expect, it } from "vitest";
import { decodeJson } from "./api";

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
