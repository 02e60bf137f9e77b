import { bandLabels, utilizationBand } from "../lib/format";

export type Delta = { text: string; direction: "up" | "down" | "flat"; /** Up is good (units) or bad (unknown time). */ good: boolean };

export function KpiTile(props: { label: string; value: string; hint?: string; delta?: Delta; bandPct?: number | null; testId?: string }) {
  const band = props.bandPct !== undefined ? utilizationBand(props.bandPct) : undefined;
  return (
    <div className={`kpi${band ? ` band-${band}` : ""}`} data-testid={props.testId}>
      <div className="kpi-label">{props.label}</div>
      <div className="kpi-value">{props.value}</div>
      {band && <div className="kpi-band">{bandLabels[band]}</div>}
      {props.delta && (
        <div className={`kpi-delta ${props.delta.good ? "good" : "bad"} ${props.delta.direction}`}>
          <span aria-hidden="true">{props.delta.direction === "up" ? "▲" : props.delta.direction === "down" ? "▼" : "■"} </span>
          {props.delta.text}
        </div>
      )}
      {props.hint && <div className="kpi-hint">{props.hint}</div>}
    </div>
  );
}

/** Change between two values; `higherIsBetter` decides the colour. */
export function delta(
  cur: number | null | undefined,
  prev: number | null | undefined,
  opts: { unit: "pp" | "%"; higherIsBetter: boolean; label: string },
): Delta | undefined {
  if (cur === null || cur === undefined) return undefined;
  // A relative change from nothing means nothing: say there is nothing to compare with.
  if (prev === null || prev === undefined || (opts.unit === "%" && prev === 0)) {
    return { text: `no data in the ${opts.label}`, direction: "flat", good: true };
  }
  const diff = opts.unit === "pp" ? cur - prev : ((cur - prev) / prev) * 100;
  const direction = Math.abs(diff) < 0.05 ? "flat" : diff > 0 ? "up" : "down";
  const text = `${diff >= 0 ? "+" : "−"}${Math.abs(diff).toFixed(1)} ${opts.unit === "pp" ? "pts" : "%"} vs ${opts.label}`;
  return { text, direction, good: direction === "flat" || (direction === "up") === opts.higherIsBetter };
}
