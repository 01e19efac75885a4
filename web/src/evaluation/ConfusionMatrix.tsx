// The confusion matrix: counts, rows the true class and columns the predicted one,
// each cell shaded by its share of the row.
import type { Json } from "../api";
import { rowShares } from "./confusion";

export function ConfusionMatrix({ counts, labels }: { counts: number[][]; labels: Json[] | null }) {
  const shares = rowShares(counts);
  const name = (i: number) => (labels && i < labels.length ? String(labels[i]) : String(i));
  return (
    <table class="confusion" aria-label="Confusion matrix">
      <thead>
        <tr><th>true ↓ / predicted →</th>{counts[0]?.map((_, j) => <th key={j} class="num">{name(j)}</th>)}</tr>
      </thead>
      <tbody>
        {counts.map((row, i) => (
          <tr key={i}>
            <th scope="row">{name(i)}</th>
            {row.map((c, j) => (
              <td key={j} class={`num cm-cell${i === j ? " diagonal" : ""}`} data-row={i} data-col={j}
                title={`${Math.round(shares[i][j] * 1000) / 10}% of true ${name(i)}`}
                style={{ "--share": String(shares[i][j]) }}>
                {c}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
