// Run colours: readable on both the light and the dark background.
const COLORS = ["#2f6feb", "#e5534b", "#1a7f37", "#bf8700", "#8250df", "#d4428b", "#0e8a9e", "#e16f24", "#6e7781", "#57ab5a"];

export function runColor(index: number): string {
  return COLORS[index % COLORS.length];
}

/** A CSS variable of the current theme (e.g. "--muted"), with a fallback for tests. */
export function themeColor(name: string, fallback = "#888"): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
