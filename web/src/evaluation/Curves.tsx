// ROC, precision–recall and calibration (reliability) charts, drawn with uPlot on
// fixed [0, 1] axes; ROC and calibration show the y = x diagonal for reference.
import { useEffect, useMemo, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { EvaluationResult } from "../api";
import { runColor, themeColor } from "../chart/palette";
import { useWidth } from "../chart/useWidth";
import { curveColumns } from "./curves";

interface CurveProps {
  name: string;
  title: string;
  x: string;
  y: string;
  data: uPlot.AlignedData;
  points?: boolean;
}

function curveOptions(p: CurveProps, width: number): uPlot.Options {
  const axis = (label: string): uPlot.Axis => ({
    label, stroke: () => themeColor("--muted"), grid: { stroke: () => themeColor("--line"), width: 1 },
    ticks: { stroke: () => themeColor("--line"), width: 1 },
  });
  const series: uPlot.Series[] = [
    { label: p.x },
    { label: p.y, stroke: runColor(0), width: 2, spanGaps: true, points: { show: p.points ?? false, size: 6, fill: runColor(0) } },
  ];
  if (p.data.length > 2) series.push({ label: "y = x", stroke: () => themeColor("--muted"), width: 1, dash: [4, 4], points: { show: false } });
  return {
    width, height: Math.min(width, 280), legend: { show: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
    axes: [axis(p.x), axis(p.y)], series,
  };
}

function Curve(props: CurveProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box, 320);
  useEffect(() => {
    if (!box.current || width <= 0) return;
    const plot = new uPlot(curveOptions(props, width), props.data, box.current);
    const observer = new MutationObserver(() => plot.redraw(false, true));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [props.data, width]);
  return (
    <figure class="eval-curve" data-curve={props.name}>
      <figcaption>{props.title}</figcaption>
      <div class="eval-curve-plot" ref={box} />
    </figure>
  );
}

export function Curves({ curves }: { curves: EvaluationResult["curves"] }) {
  const { roc, pr, calibration } = curves;
  // made once per result: a new array would rebuild the plot
  const data = useMemo(() => ({
    roc: roc && curveColumns(roc.fpr, roc.tpr, true),
    pr: pr && curveColumns(pr.recall, pr.precision),
    calibration: calibration && curveColumns(calibration.mean_predicted, calibration.fraction_positive, true),
  }), [curves]);
  if (!data.roc && !data.pr && !data.calibration) return <p class="muted">No curves for this task.</p>;
  return (
    <div class="eval-curves">
      {data.roc && <Curve name="roc" title="ROC" x="false positive rate" y="true positive rate" data={data.roc} />}
      {data.pr && <Curve name="pr" title="Precision–recall" x="recall" y="precision" data={data.pr} />}
      {data.calibration && (
        <Curve name="calibration" title="Calibration (reliability): mean predicted vs fraction positive" x="mean predicted"
          y="fraction positive" points data={data.calibration} />
      )}
    </div>
  );
}
