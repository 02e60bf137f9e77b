import type { ReactNode } from "react";
import { formatRange } from "../lib/format";
import { presetLabels, type DashboardWindow } from "../lib/window";
import { WindowPicker } from "./WindowPicker";

/** Every page's title, the window it shows (in the site's time zone) and the window picker. */
export function PageHeader(props: { title: ReactNode; window: DashboardWindow; timeZone: string }) {
  const w = props.window;
  return (
    <>
      <div className="page-head">
        <h1>{props.title}</h1>
        <p className="muted" data-testid="window-range">
          {presetLabels[w.preset]}: {formatRange(w.start, w.end, props.timeZone)}
        </p>
      </div>
      <WindowPicker window={w} timeZone={props.timeZone} />
      {w.problem && (
        <p className="notice" role="alert">
          {w.problem} Showing today instead.
        </p>
      )}
    </>
  );
}
