// A registered model's hash-chained events told as sentences: who moved which alias
// from which version to which, who registered or deprecated what.
import type { Json, RegistryEvent } from "../api";

function v(value: Json | undefined): string {
  return value === null || value === undefined ? "?" : `v${String(value)}`;
}

function str(value: Json | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** What the event did, in words (without who and why). */
export function describeEvent(event: RegistryEvent): string {
  const b = event.body;
  switch (event.type) {
    case "model.create":
      return "created the model";
    case "version.create":
      return `registered ${v(b.version)}${b.run_id ? ` from run ${str(b.run_id)}` : ""}${b.run_model ? ` (${str(b.run_model)})` : ""}`;
    case "alias.set":
      return b.previous === null || b.previous === undefined
        ? `set alias @${str(b.alias)} on ${v(b.version)}`
        : `moved alias @${str(b.alias)} from ${v(b.previous)} to ${v(b.version)}`;
    case "alias.delete":
      return `removed alias @${str(b.alias)}${b.previous !== null && b.previous !== undefined ? ` (was on ${v(b.previous)})` : ""}`;
    case "version.update": {
      const changes: string[] = [];
      if (b.status === "deprecated") changes.push(`deprecated ${v(b.version)}`);
      else if (b.status) changes.push(`marked ${v(b.version)} ${str(b.status)}`);
      if (b.description !== undefined && b.description !== null) changes.push(`described ${v(b.version)}`);
      if (b.tags !== undefined) changes.push(`tagged ${v(b.version)}`);
      return changes.length ? changes.join(", ") : `updated ${v(b.version)}`;
    }
    case "model.update": {
      const fields = ["description", "tags"].filter((k) => b[k] !== undefined);
      return fields.length ? `updated the model's ${fields.join(" and ")}` : "updated the model";
    }
    default:
      return event.type;
  }
}

/** Alias moves only (set and delete), the story most readers want first. */
export function isAliasEvent(event: RegistryEvent): boolean {
  return event.type === "alias.set" || event.type === "alias.delete";
}
