// The runs table's view (project, filter, sort, extra columns, grouping) and its URL
// form, so that a copied address reopens the same view.

export interface View {
  project: string;
  q: string;
  order: string[];
  columns: string[];
  group: string;
}

export const EMPTY_VIEW: View = { project: "", q: "", order: [], columns: [], group: "" };

export function viewFromParams(params: URLSearchParams): View {
  return {
    project: params.get("project") ?? "",
    q: params.get("q") ?? "",
    order: params.getAll("order").filter(Boolean),
    columns: params.getAll("col").filter(Boolean),
    group: params.get("group") ?? "",
  };
}

/** The URL (path "/" and query) of *view*; empty parts are left out. */
export function viewToUrl(view: View): string {
  const params = new URLSearchParams();
  if (view.project) params.set("project", view.project);
  if (view.q) params.set("q", view.q);
  for (const key of view.order) params.append("order", key);
  for (const column of view.columns) params.append("col", column);
  if (view.group) params.set("group", view.group);
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

export type SortDirection = "ascending" | "descending" | "none";

/** How *field* is sorted by the view's first key (none given: newest first). */
export function sortDirection(order: string[], field: string): SortDirection {
  const first = order[0] ?? "-created";
  if (first === `-${field}`) return "descending";
  if (first === field || first === `+${field}`) return "ascending";
  return "none";
}

/** The order after clicking *field*'s header: ascending first, then it flips. */
export function toggleSort(order: string[], field: string): string[] {
  return sortDirection(order, field) === "ascending" ? [`-${field}`] : [field];
}
