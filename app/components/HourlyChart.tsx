import { AxisBottom, AxisLeft } from "@visx/axis";
import { GridRows } from "@visx/grid";
import { Group } from "@visx/group";
import { scaleLinear } from "@visx/scale";
import { Bar, LinePath } from "@visx/shape";
import { useId } from "react";
import { formatDay, formatTime } from "../lib/format";
import { siteTimeTicks } from "../lib/ticks";
import { useChartKeys } from "./useChartKeys";
import { useMeasuredWidth } from "./useMeasuredWidth";
import { axisStyle } from "./axis-style";

export type HourPoint = { hour_start: string; value: number | null };

const HOUR_MS = 3_600_000;
const MARGIN = { top: 12, right: 16, bottom: 34, left: 52 };

/**
 * One value per hour over the window, as bars (counts) or a line (rates). Drawn with low-level visx
 * so the server renders the full chart; arrow keys walk the hours and read each out.
 */
export function HourlyChart(props: {
  title: string;
  description: string;
  points: HourPoint[];
  window: { start: string; end: string };
  timeZone: string;
  kind: "bar" | "line";
  formatValue: (v: number | null) => string;
  /** Fixed top of the value axis (100 for percentages). */
  yMax?: number;
  /** Values are counts: the value axis shows whole numbers only (no 0, 0, 1, 1 on a quiet day). */
  counts?: boolean;
  height?: number;
}) {
  const { ref, width } = useMeasuredWidth<HTMLDivElement>(640);
  const height = props.height ?? 220;
  const titleId = useId();
  const descId = useId();
  const { active, setActive, onKeyDown } = useChartKeys(props.points.length);

  const x0 = Date.parse(props.window.start);
  const x1 = Date.parse(props.window.end);
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const x = scaleLinear<number>({ domain: [x0, x1], range: [0, innerW] });
  const maxV = props.yMax ?? Math.max(1, ...props.points.map((p) => p.value ?? 0));
  const y = scaleLinear<number>({ domain: [0, maxV], range: [innerH, 0], nice: props.yMax === undefined });
  const yTicks = y.ticks(4).filter((t) => !props.counts || Number.isInteger(t));
  const barW = Math.max(1, x(x0 + HOUR_MS) - x(x0) - 1);
  const ticks = siteTimeTicks(x0, x1, props.timeZone, Math.max(2, Math.floor(innerW / 70)));
  const multiDay = x1 - x0 > 26 * HOUR_MS;
  const activePoint = active !== null ? props.points[active] : undefined;
  const defined = props.points.filter((p) => p.value !== null);

  return (
    <figure className="chart">
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      <p id={descId} className="sr-only">
        {props.description} Use the arrow keys to read each hour.
      </p>
      <div ref={ref} className="chart-frame">
        <svg
          width={width}
          height={height}
          role="img"
          aria-labelledby={titleId}
          aria-describedby={descId}
          tabIndex={0}
          onKeyDown={onKeyDown}
          onBlur={() => setActive(null)}
          data-testid={`chart-${props.kind}`}
        >
          <Group left={MARGIN.left} top={MARGIN.top}>
            <GridRows scale={y} width={innerW} tickValues={yTicks} stroke="var(--grid)" />
            {props.kind === "bar" &&
              props.points.map((p, i) =>
                p.value === null ? null : (
                  <Bar
                    key={p.hour_start}
                    x={x(Date.parse(p.hour_start))}
                    y={y(p.value)}
                    width={barW}
                    height={Math.max(0, innerH - y(p.value))}
                    className={i === active ? "bar bar-active" : "bar"}
                    data-value={p.value}
                    onMouseEnter={() => setActive(i)}
                    onMouseLeave={() => setActive(null)}
                  >
                    <title>{`${formatTime(p.hour_start, props.timeZone, { date: multiDay })}: ${props.formatValue(p.value)}`}</title>
                  </Bar>
                ),
              )}
            {props.kind === "line" && (
              <>
                {/* Every hour, with `defined`, so the line breaks where there is no value (nights)
                    instead of drawing a slope across them. */}
                <LinePath
                  data={props.points}
                  defined={(p) => p.value !== null}
                  x={(p) => x(Date.parse(p.hour_start) + HOUR_MS / 2)}
                  y={(p) => y(p.value ?? 0)}
                  className="line"
                />
                {defined.map((p) => (
                  <circle
                    key={p.hour_start}
                    cx={x(Date.parse(p.hour_start) + HOUR_MS / 2)}
                    cy={y(p.value ?? 0)}
                    r={defined.length > 48 ? 1.5 : 3}
                    className={activePoint === p ? "dot dot-active" : "dot"}
                    data-value={p.value ?? ""}
                  >
                    <title>{`${formatTime(p.hour_start, props.timeZone, { date: multiDay })}: ${props.formatValue(p.value)}`}</title>
                  </circle>
                ))}
              </>
            )}
            {activePoint && (
              <rect
                x={x(Date.parse(activePoint.hour_start))}
                y={0}
                width={barW}
                height={innerH}
                className="focus-band"
                pointerEvents="none"
              />
            )}
            <AxisLeft scale={y} tickValues={yTicks} tickFormat={(v) => props.formatValue(Number(v))} {...axisStyle} />
            <AxisBottom
              top={innerH}
              scale={x}
              tickValues={ticks}
              tickFormat={(v) => (multiDay ? formatDay(Number(v), props.timeZone) : formatTime(new Date(Number(v)), props.timeZone))}
              {...axisStyle}
            />
          </Group>
        </svg>
      </div>
      <p className="chart-readout" aria-live="polite">
        {activePoint
          ? `${formatTime(activePoint.hour_start, props.timeZone, { date: multiDay })}: ${props.formatValue(activePoint.value)}`
          : "\u00a0"}
      </p>
    </figure>
  );
}
