// Checkboxes that pick the parallel-coordinates axes, params and metrics apart.
import type { Dimension } from "./dimensions";

interface Props {
  dimensions: Dimension[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}

export function AxisChooser({ dimensions, chosen, onChange }: Props) {
  const toggle = (id: string, on: boolean) =>
    onChange(on ? dimensions.map((d) => d.id).filter((d) => d === id || chosen.includes(d)) : chosen.filter((c) => c !== id));
  const group = (kind: Dimension["kind"], legend: string) => {
    const items = dimensions.filter((d) => d.kind === kind);
    return items.length > 0 && (
      <fieldset>
        <legend>{legend}</legend>
        {items.map((d) => (
          <label key={d.id}>
            <input type="checkbox" checked={chosen.includes(d.id)} onChange={(e) => toggle(d.id, e.currentTarget.checked)} />
            {d.label}
          </label>
        ))}
      </fieldset>
    );
  };
  return (
    <details class="axis-chooser">
      <summary>Axes ({chosen.length} chosen)</summary>
      {group("param", "Params")}
      {group("metric", "Metrics (last value)")}
    </details>
  );
}
