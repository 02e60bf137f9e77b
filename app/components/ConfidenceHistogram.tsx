import { AxisBottom, AxisLeft } from "@visx/axis";
import { GridRows } from "@visx/grid";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";
import { formatNumber, formatPct } from "../lib/format";
import { shares } from "../lib/drift";
import { useMeasuredWidth } from "./useMeasuredWidth";
import { axisStyle } from "./axis-style";

const MARGIN = { top: 10, right: 12, bottom: 30, left: 44 };

/** "0.9–1" for the last bin, which is closed: the API puts confidence 1 there. */
export const binLabel = (i: number, bins: number) => `${(i / bins).toFixed(1)}–${i + 1 === bins ? "1" : ((i + 1) / bins).toFixed(1)}`;

/**
 * Confidence histograms of a window and its baseline side by side, each bin as a share of its own
 * sample (the two differ in size). Low-level visx, so the server renders it complete; the same
 * figures are in a table below it.
 */
export function ConfidenceHistogram(props: { title: string; window: number[]; baseline: number[] | null; height?: number }) {
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
        <div className="table-wrap">
          <table data-testid="drift-histogram-table">
            <caption>{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">Confidence</th>
                <th scope="col" className="num">Window events</th>
                <th scope="col" className="num">Window %</th>
                {b && <th scope="col" className="num">Baseline events</th>}
                {b && <th scope="col" className="num">Baseline %</th>}
              </tr>
            </thead>
            <tbody>
              {w.map((v, i) => (
                <tr key={i}>
                  <th scope="row">{binLabel(i, bins)}</th>
                  <td className="num">{formatNumber(props.window[i])}</td>
                  <td className="num">{formatPct(v)}</td>
                  {b && props.baseline && <td className="num">{formatNumber(props.baseline[i])}</td>}
                  {b && <td className="num">{formatPct(b[i])}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
