import { Form, Link, useNavigation } from "@remix-run/react";
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
      <Form method="get" className={`custom-range${props.window.preset === "custom" ? " active" : ""}`}>
        <input type="hidden" name="window" value="custom" />
        <label>
          From <input type="date" name="from" defaultValue={props.window.from} required />
        </label>
        <label>
          to <input type="date" name="to" defaultValue={props.window.to} required />
        </label>
        <button type="submit">Show range</button>
      </Form>
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
