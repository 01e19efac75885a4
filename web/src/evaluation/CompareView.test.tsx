import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import type { MetricComparison } from "../api";
import { CompareMetrics } from "./CompareView";

const ROWS: MetricComparison[] = [
  { metric: "accuracy", a: { value: 0.7, low: 0.65, high: 0.75 }, b: { value: 0.9, low: 0.85, high: 0.95 }, difference: 0.2, clear: true },
  { metric: "recall", a: { value: 0.8, low: 0.7, high: 0.9 }, b: { value: 0.78, low: 0.68, high: 0.88 }, difference: -0.02, clear: false },
];

afterEach(cleanup);

describe("CompareMetrics", () => {
  it("shows both values, the signed difference, and marks clear differences", () => {
    render(<CompareMetrics metrics={ROWS} />);
    const table = screen.getByLabelText("Metrics compared");
    const accuracy = table.querySelector('tr[data-metric="accuracy"]')!;
    expect(accuracy.querySelector(".side-a")!.textContent).toBe("0.7 [0.65, 0.75]");
    expect(accuracy.querySelector(".side-b")!.textContent).toBe("0.9 [0.85, 0.95]");
    expect(accuracy.querySelector(".difference")!.textContent).toBe("+0.2");
    expect(accuracy.querySelector(".clear-flag")!.textContent).toBe("clear");
    const recall = table.querySelector('tr[data-metric="recall"]')!;
    expect(recall.querySelector(".difference")!.textContent).toBe("-0.02");
    expect(recall.querySelector(".clear-flag")).toBeNull();
  });

  it("draws both intervals on one scale: A's interval lies left of B's", () => {
    render(<CompareMetrics metrics={ROWS} />);
    const lines = [...document.querySelectorAll('tr[data-metric="accuracy"] .ibar-line')] as HTMLElement[];
    const left = (el: HTMLElement) => parseFloat(el.style.left);
    const right = (el: HTMLElement) => left(el) + parseFloat(el.style.width);
    expect(lines).toHaveLength(2);
    expect(right(lines[0])).toBeLessThan(left(lines[1]));
  });
});
