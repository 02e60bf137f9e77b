import { AxisBottom, AxisLeft } from "@visx/axis";
import { GridRows } from "@visx/grid";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";
import { formatNumber, formatPct } from "../lib/format";
import { shares } from "../lib/drift";
import { binLabel, histogramColumns, histogramRows } from "../lib/tables";
import { DataTable } from "./DataTable";
import { useMeasuredWidth } from "./useMeasuredWidth";
import { axisStyle } from "./axis-style";

const MARGIN = { top: 10, right: 12, bottom: 30, left: 44 };
// Without a baseline its columns would only repeat "–".
const windowOnly = histogramColumns.filter((c) => !c.key.startsWith("baseline"));

/**
 * Confidence histograms of a window and its baseline side by side, each bin as a share of its own
 * sample (the two differ in size). Low-level visx, so the server renders it complete; the same
 * figures are in a table below it.
 */
export function ConfidenceHistogram(props: {
  title: string;
  /** Names the rows of the table and its CSV. */
  modelVersion: string | null;
  window: number[];
  baseline: number[] | null;
  timeZone: string;
  csvHref?: string;
  height?: number;
}) {
  const { ref, width } = useMeasuredWidth<HTMLDivElement>(420);
  const height = props.height ?? 170;
  const titleId = useId();
  const bins = props.window.length;
  const w = shares(props.window);
  const b = props.baseline ? shares(props.baseline) : null;
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<number>({ domain: w.map((_, i) => i), range: [0, innerW], padding: 0.2 });
  const y = scaleLinear<number>({ domain: [0, Math.max(10, ...w, ...(b ?? []))], range: [innerH, 0], nice: true });
  const barW = b ? x.bandwidth() / 2 : x.bandwidth();
  const series = [{ key: "window", label: "Window", values: w, counts: props.window, offset: 0 }];
  if (b && props.baseline) series.push({ key: "baseline", label: "Baseline", values: b, counts: props.baseline, offset: barW });

  return (
    <figure className="chart drift-histogram">
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      <ul className="legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}>
            <span className={`swatch drift-${s.key}`} /> {s.label}
          </li>
        ))}
      </ul>
      <div ref={ref} className="chart-frame">
        <svg width={width} height={height} role="img" aria-labelledby={titleId} data-testid="drift-histogram">
          <Group left={MARGIN.left} top={MARGIN.top}>
            <GridRows scale={y} width={innerW} numTicks={3} stroke="var(--grid)" />
            {series.map((s) =>
              s.values.map((v, i) => (
                <Bar
                  key={`${s.key}-${i}`}
                  x={(x(i) ?? 0) + s.offset}
                  y={y(v)}
                  width={Math.max(1, barW - 1)}
                  height={Math.max(0, innerH - y(v))}
                  className={`bar drift-${s.key}`}
                  data-series={s.key}
                  data-count={s.counts[i]}
                >
                  <title>{`${s.label}, confidence ${binLabel(i, bins)}: ${formatNumber(s.counts[i])} events (${formatPct(v)})`}</title>
                </Bar>
              )),
            )}
            <AxisLeft scale={y} numTicks={3} tickFormat={(v) => `${Number(v)} %`} {...axisStyle} />
            <AxisBottom
              top={innerH}
              scale={x}
              tickFormat={(i) => (Number(i) / bins).toFixed(1)}
              {...axisStyle}
            />
          </Group>
        </svg>
      </div>
      <details className="chart-data">
        <summary>Histogram as a table</summary>
        <DataTable
          caption={props.title}
          rows={histogramRows(props.modelVersion, props.window, props.baseline)}
          columns={props.baseline ? histogramColumns : windowOnly}
          timeZone={props.timeZone}
          rowKey={(r) => r.bin}
          csvHref={props.csvHref}
          testId="drift-histogram-table"
        />
      </details>
    </figure>
  );
}
