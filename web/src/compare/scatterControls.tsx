// The scatter's two selectors: a param for x, a metric for y.
import type { Dimension } from "./dimensions";

interface Props {
  params: Dimension[];
  metrics: Dimension[];
  x: string;
  y: string;
  onChange: (axis: "sx" | "sy", id: string) => void;
}

function Select({ label, options, value, onPick }: { label: string; options: Dimension[]; value: string; onPick: (id: string) => void }) {
  return (
    <label>
      {label.replace("Scatter ", "")}
      <select aria-label={label} value={value} onChange={(e) => onPick(e.currentTarget.value)}>
        {options.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
      </select>
    </label>
  );
}

export function ScatterControls({ params, metrics, x, y, onChange }: Props) {
  return (
    <div class="scatter-controls">
      <Select label="Scatter x" options={params} value={x} onPick={(id) => onChange("sx", id)} />
      <Select label="Scatter y" options={metrics} value={y} onPick={(id) => onChange("sy", id)} />
    </div>
  );
}
