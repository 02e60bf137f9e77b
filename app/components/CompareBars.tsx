import { Group } from "@visx/group";
import { scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId } from "react";
import { useMeasuredWidth } from "./useMeasuredWidth";

/** A few quantities as horizontal bars on one scale, each labelled with its value. */
export function CompareBars(props: { title: string; items: { label: string; value: number; text: string; className?: string }[] }) {
  const { ref, width } = useMeasuredWidth<HTMLDivElement>(480);
  const titleId = useId();
  const labelW = 130;
  const rowH = 30;
  const max = Math.max(1, ...props.items.map((i) => i.value));
  const x = scaleLinear<number>({ domain: [0, max], range: [0, Math.max(10, width - labelW - 90)] });
  return (
    <figure className="chart">
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      <div ref={ref} className="chart-frame">
        <svg width={width} height={props.items.length * rowH + 4} role="img" aria-labelledby={titleId}>
          {props.items.map((item, n) => (
            <Group key={item.label} top={n * rowH + 4}>
              <text x={labelW - 8} y={rowH / 2 - 2} textAnchor="end" dy="0.3em" className="row-label">
                {item.label}
              </text>
              <Bar x={labelW} y={2} width={Math.max(1, x(item.value))} height={rowH - 10} className={item.className ?? "bar"} />
              <text x={labelW + x(item.value) + 6} y={rowH / 2 - 2} dy="0.3em" className="row-label">
                {item.text}
              </text>
            </Group>
          ))}
        </svg>
      </div>
      <ul className="sr-only">
        {props.items.map((i) => (
          <li key={i.label}>
            {i.label}: {i.text}
          </li>
        ))}
      </ul>
    </figure>
  );
}
