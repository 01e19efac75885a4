// A dataset's datasheet: where it came from, why, how it was prepared and labelled,
// its known gaps, biases, license and contact; fields we do not know shown after.
import type { Json } from "../api";
import { formatJson, humanize } from "./format";

const FIELDS: [string, string][] = [
  ["origin", "Origin"], ["purpose", "Purpose"], ["preparation", "Preparation"], ["labelling", "Labelling"],
  ["known_gaps", "Known gaps"], ["biases", "Biases"], ["license", "License"], ["contact", "Contact"],
];
const KNOWN = new Set(FIELDS.map(([key]) => key));

function Value({ value }: { value: Json }) {
  if (Array.isArray(value)) return <ol>{value.map((step, i) => <li key={i}>{formatJson(step)}</li>)}</ol>;
  return <>{formatJson(value)}</>;
}

export function Datasheet({ datasheet }: { datasheet: Record<string, Json> | null }) {
  if (!datasheet || Object.keys(datasheet).length === 0) return <p class="muted">No datasheet.</p>;
  const known = FIELDS.filter(([key]) => datasheet[key] !== undefined && datasheet[key] !== null);
  const other = Object.keys(datasheet).filter((key) => !KNOWN.has(key));
  return (
    <dl class="datasheet" aria-label="Datasheet">
      {[...known, ...other.map((key): [string, string] => [key, humanize(key)])].map(([key, label]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd><Value value={datasheet[key]} /></dd>
        </div>
      ))}
    </dl>
  );
}
