// The confusion matrix's shading: each count as a share of its row (the true class).

/** counts[i][j] / sum(counts[i]); rows that sum to 0 are all 0. */
export function rowShares(counts: number[][]): number[][] {
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : 0));
  });
}
