import { describe, expect, it } from "vitest";
import { complete, suggestions, wordAt } from "./suggest";

const fields = ["name", "params.lr", "params.optimizer", "metrics.loss.last", "metrics.loss.min", "tags.stage"];

describe("autocomplete", () => {
  it("finds the field word at the caret", () => {
    expect(wordAt("params.lr > 1 and metr", 22)).toEqual({ start: 18, word: "metr" });
    expect(wordAt("params.lr > ", 12)).toEqual({ start: 12, word: "" });
    expect(wordAt("(params.o", 9)).toEqual({ start: 1, word: "params.o" });
  });

  it("suggests prefix matches first, then others containing the word", () => {
    expect(suggestions(fields, "params.")).toEqual(["params.lr", "params.optimizer"]);
    expect(suggestions(fields, "loss")).toEqual(["metrics.loss.last", "metrics.loss.min"]);
    expect(suggestions(fields, "")).toEqual([]);
    expect(suggestions(fields, "and")).toEqual([]);
    expect(suggestions(fields, "params.lr")).toEqual([]);
  });

  it("replaces the word at the caret", () => {
    expect(complete("metr < 1", 4, "metrics.loss.min")).toEqual({ text: "metrics.loss.min < 1", caret: 16 });
  });
});
