import { Link } from "@remix-run/react";
import { useMemo, useState } from "react";
import { utilizationBand } from "../lib/format";
import type { Column } from "../lib/tables";

type Sort = { key: string; dir: "asc" | "desc" };

/**
 * A table whose headers sort it (click or Enter/Space on the header button), with the first column
 * optionally linking to a detail page and a CSV export of the same columns.
 */
export function DataTable<T>(props: {
  caption: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  timeZone: string;
  rowKey: (row: T) => string;
  /** Link target for the first column's cell. */
  rowHref?: (row: T) => string;
  csvHref?: string;
  initialSort?: Sort;
  testId?: string;
}) {
  const [sort, setSort] = useState<Sort | undefined>(props.initialSort);
  const sorted = useMemo(() => {
    if (!sort) return props.rows;
    const col = props.columns.find((c) => c.key === sort.key);
    if (!col) return props.rows;
    const sign = sort.dir === "asc" ? 1 : -1;
    return [...props.rows].sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      // Missing values go last whichever the direction.
      if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1;
      if (vb === null || vb === undefined) return -1;
      if (typeof va === "number" && typeof vb === "number") return sign * (va - vb);
      return sign * String(va).localeCompare(String(vb), "en", { numeric: true });
    });
  }, [props.rows, props.columns, sort]);

  const toggle = (key: string, numeric?: boolean) =>
    setSort((s) => (s?.key === key ? { key, dir: s.dir === "asc" ? "desc" : "asc" } : { key, dir: numeric ? "desc" : "asc" }));

  return (
    <div className="table-wrap">
      <table data-testid={props.testId}>
        <caption>
          {props.caption}
          {props.csvHref && (
            <a className="csv-link" href={props.csvHref} download>
              Download CSV
            </a>
          )}
        </caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const dir = sort?.key === c.key ? sort.dir : undefined;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? "num" : undefined}
                  aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none"}
                >
                  <button type="button" onClick={() => toggle(c.key, c.numeric)} data-column={c.key}>
                    {c.header.replace(/ s$/, "")}
                    <span aria-hidden="true" className="sort-mark">
                      {dir === "asc" ? "▲" : dir === "desc" ? "▼" : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c, i) => {
                const text = c.display ? c.display(row, props.timeZone) : String(c.value(row) ?? "–");
                const v = c.value(row);
                const cls = [c.numeric ? "num" : "", c.band ? `band band-${utilizationBand(typeof v === "number" ? v : null)}` : ""]
                  .filter(Boolean)
                  .join(" ");
                if (i === 0) {
                  return (
                    <th key={c.key} scope="row" className={cls || undefined}>
                      {props.rowHref ? <Link to={props.rowHref(row)}>{text}</Link> : text}
                    </th>
                  );
                }
                return (
                  <td key={c.key} className={cls || undefined} data-column={c.key}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
