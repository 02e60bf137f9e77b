import { Form, Link, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { presetLabels, presets, windowSearch, type DashboardWindow } from "../lib/window";

/** Preset windows as links and a custom date range as a GET form: the choice lives in the URL. */
export function WindowPicker(props: { window: DashboardWindow; timeZone: string }) {
  const nav = useNavigation();
  const busy = nav.state === "loading" && nav.location?.search !== undefined;
  return (
    <nav className="window-picker" aria-label="Time window">
      <ul>
        {presets
          .filter((p) => p !== "custom")
          .map((p) => (
            <li key={p}>
              <Link
                to={{ search: `?${windowSearch({ preset: p, from: "", to: "" })}` }}
                aria-current={props.window.preset === p ? "page" : undefined}
                className={props.window.preset === p ? "active" : undefined}
                prefetch="intent"
                data-window={p}
              >
                {presetLabels[p]}
              </Link>
            </li>
          ))}
      </ul>
      {/* Keyed so that a new window from the URL resets the fields and the tracked start date. */}
      <CustomRangeForm key={`${props.window.from}/${props.window.to}`} window={props.window} />
      <span className="tz" title="All times are in the plant's time zone">
        {props.timeZone}
      </span>
      {busy && (
        <span className="loading" role="status">
          Loading…
        </span>
      )}
    </nav>
  );
}

/**
 * Date limits come from the loader's window (its `today`), never from the browser's clock, so the
 * server render and hydration agree and "today" is the plant's date, not the viewer's.
 */
function CustomRangeForm(props: { window: DashboardWindow }) {
  const w = props.window;
  // A night shift or a future range ends after today: start from a value the limits accept.
  const [first, last] = [earlier(w.from, w.today), earlier(w.to, w.today)];
  // The end may not precede the start the user is choosing now, not just the one in the URL.
  const [from, setFrom] = useState(first);
  return (
    <Form method="get" className={`custom-range${w.preset === "custom" ? " active" : ""}`}>
      <input type="hidden" name="window" value="custom" />
      <label>
        From <input type="date" name="from" defaultValue={first} max={w.today} onChange={(e) => setFrom(e.currentTarget.value)} required />
      </label>
      <label>
        to <input type="date" name="to" defaultValue={last} min={from || undefined} max={w.today} required />
      </label>
      <button type="submit">Show range</button>
    </Form>
  );
}

/** ISO dates (YYYY-MM-DD) order as strings. */
const earlier = (a: string, b: string) => (a < b ? a : b);
