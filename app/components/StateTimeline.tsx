import { AxisBottom } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";
import type { StateInterval, TimelineState } from "../../contract/timeline";
import { formatDay, formatDuration, formatTime } from "../lib/format";
import { intervalSeconds } from "../lib/tables";
import { siteTimeTicks } from "../lib/ticks";
import { useChartKeys } from "./useChartKeys";
import { useMeasuredWidth } from "./useMeasuredWidth";
import { axisStyle } from "./axis-style";

export const stateLabels: Record<TimelineState, string> = {
  working: "Working",
  idle: "Idle",
  absent: "Absent",
  unknown: "Unknown (no signal)",
};

const MARGIN = { top: 8, right: 16, bottom: 30, left: 90 };
const ROW_H = 28;

/**
 * A Gantt bar per row (a worker, or each worker at a workstation) of the states over the window.
 * Arrow keys step through the intervals and read each one out.
 */
export function StateTimeline(props: {
  title: string;
  intervals: StateInterval[];
  rowOf: (i: StateInterval) => string;
  window: { start: string; end: string };
  timeZone: string;
  /** Only these states are drawn (the workstation view shows occupancy: working). */
  states?: readonly TimelineState[];
}) {
  const { ref, width } = useMeasuredWidth<HTMLDivElement>(640);
  const titleId = useId();
  const descId = useId();
  const shown = props.states ? props.intervals.filter((i) => props.states!.includes(i.state)) : props.intervals;
  const { active, setActive, onKeyDown } = useChartKeys(shown.length);
  const rows = [...new Set(props.intervals.map(props.rowOf))].sort();
  const height = MARGIN.top + MARGIN.bottom + Math.max(1, rows.length) * ROW_H;
  const x0 = Date.parse(props.window.start);
  const x1 = Date.parse(props.window.end);
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const x = scaleLinear<number>({ domain: [x0, x1], range: [0, innerW], clamp: true });
  const y = scaleBand<string>({ domain: rows, range: [0, rows.length * ROW_H], padding: 0.2 });
  const ticks = siteTimeTicks(x0, x1, props.timeZone, Math.max(2, Math.floor(innerW / 70)));
  const multiDay = x1 - x0 > 26 * 3_600_000;
  const cur = active !== null ? shown[active] : undefined;
  const describe = (i: StateInterval) =>
    `${props.rowOf(i)}: ${stateLabels[i.state]} ${formatTime(i.start, props.timeZone, { date: multiDay })}–${formatTime(i.end, props.timeZone, { date: multiDay })} (${formatDuration(intervalSeconds(i))})`;

  return (
    // Full width in a chart grid: a day of state changes needs the room.
    <figure className="chart wide">
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      <p id={descId} className="sr-only">
        {shown.length} intervals. Use the arrow keys to read them one by one; the table below lists them all.
      </p>
      <ul className="legend" aria-label="Legend">
        {(props.states ?? (Object.keys(stateLabels) as TimelineState[])).map((s) => (
          <li key={s}>
            <span className={`swatch state-${s}`} aria-hidden="true" /> {stateLabels[s]}
          </li>
        ))}
      </ul>
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
          data-testid="timeline"
        >
          <Group left={MARGIN.left} top={MARGIN.top}>
            {rows.map((r) => (
              <text key={r} x={-8} y={(y(r) ?? 0) + y.bandwidth() / 2} dy="0.35em" textAnchor="end" className="row-label">
                {r}
              </text>
            ))}
            {shown.map((i, n) => {
              const left = x(Date.parse(i.start));
              return (
                <Bar
                  key={`${i.worker_id}|${i.start}|${i.state}`}
                  x={left}
                  y={y(props.rowOf(i)) ?? 0}
                  width={Math.max(0.5, x(Date.parse(i.end)) - left)}
                  height={y.bandwidth()}
                  className={`seg state-${i.state}${n === active ? " seg-active" : ""}`}
                  data-state={i.state}
                  onMouseEnter={() => setActive(n)}
                  onMouseLeave={() => setActive(null)}
                >
                  <title>{describe(i)}</title>
                </Bar>
              );
            })}
            <AxisBottom
              top={rows.length * ROW_H}
              scale={x}
              tickValues={ticks}
              tickFormat={(v) => (multiDay ? formatDay(Number(v), props.timeZone) : formatTime(new Date(Number(v)), props.timeZone))}
              {...axisStyle}
            />
          </Group>
        </svg>
      </div>
      <p className="chart-readout" aria-live="polite">
        {cur ? describe(cur) : "\u00a0"}
      </p>
    </figure>
  );
}
