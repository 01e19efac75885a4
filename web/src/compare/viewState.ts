// The compare view's choices live in the URL next to the run ids, so a view can be shared.
import { navigate } from "../router";

/** Replace (or, with null, drop) one query parameter of the current compare view. */
export function setViewParam(params: URLSearchParams, name: string, value: string | string[] | null): void {
  const next = new URLSearchParams(params);
  next.delete(name);
  for (const item of value === null ? [] : Array.isArray(value) ? value : [value]) next.append(name, item);
  navigate(`/compare?${next.toString()}`, true);
}
