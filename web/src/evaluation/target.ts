// Evaluation targets ("model:NAME/VERSION") and the pages they link to.

export interface ModelTarget {
  name: string;
  version: string;
}

/** The model and version of a "model:NAME/VERSION" target, or null for other targets. */
export function parseModelTarget(target: string | null | undefined): ModelTarget | null {
  if (!target || !target.startsWith("model:")) return null;
  const rest = target.slice("model:".length);
  const slash = rest.lastIndexOf("/");
  if (slash <= 0) return null;
  return { name: rest.slice(0, slash), version: rest.slice(slash + 1) };
}

export const evaluationUrl = (id: string) => `/evaluations/${encodeURIComponent(id)}`;

export const compareUrl = (a: string, b: string) =>
  `/evaluations/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
