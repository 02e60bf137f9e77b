// CSV downloads of the dashboard's tables: the same columns and window as on screen, raw values,
// times as ISO 8601 in the site's zone with its offset.
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { apiErrorAdvice } from "../components/RouteError";
import { ApiRequestError } from "../lib/api.server";
import { baselineBefore, versionLabel } from "../lib/drift";
import { pageContext } from "../lib/page-context.server";
import {
  compareWorkers,
  compareWorkstations,
  confidenceColumns,
  eventTypeColumns,
  eventTypeRows,
  histogramColumns,
  histogramRows,
  hourlyColumns,
  intervalColumns,
  tableCsv,
  withModelVersion,
  workerColumns,
  workstationColumns,
} from "../lib/tables";
import { previousWindow } from "../lib/window";

const tables = [
  "workers",
  "workstations",
  "hourly",
  "worker-intervals",
  "worker-confidence",
  "workstation-intervals",
  "model-event-types",
  "model-confidence-histogram",
] as const;
type Table = (typeof tables)[number];
/** These name a worker or workstation with ?id=; the model tables take an optional version there. */
const needsId: readonly Table[] = ["worker-intervals", "worker-confidence", "workstation-intervals"];

const text = (body: string, status: number) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const table = params.table as Table;
  if (!tables.includes(table)) return text(`Unknown table; one of: ${tables.join(", ")}\n`, 404);
  const id = new URL(request.url).searchParams.get("id") ?? "";
  if (needsId.includes(table) && !id) return text("Name the worker or workstation with ?id=\n", 400);

  try {
    const { api, site, window } = await pageContext(context, request);
    const tz = site.time_zone;
    const drift = async () => {
      const { models } = await api.modelDrift(window, baselineBefore(window));
      return id ? models.filter((m) => versionLabel(m.model_version) === id) : models;
    };
    const build = async (): Promise<string> => {
      switch (table) {
        case "workers": {
          const [cur, prev] = await Promise.all([api.workers(window), api.workers(previousWindow(window))]);
          return tableCsv(compareWorkers(cur.metrics, prev.metrics), workerColumns, tz);
        }
        case "workstations": {
          const [cur, prev] = await Promise.all([api.workstations(window), api.workstations(previousWindow(window))]);
          return tableCsv(compareWorkstations(cur.metrics, prev.metrics), workstationColumns, tz);
        }
        case "hourly":
          return tableCsv((await api.factory(window)).metrics.hourly, hourlyColumns, tz);
        case "worker-intervals":
          return tableCsv((await api.workerTimeline(id, window)).intervals, intervalColumns, tz);
        case "worker-confidence":
          return tableCsv((await api.workerTimeline(id, window)).confidence_by_model, confidenceColumns, tz);
        case "workstation-intervals":
          return tableCsv((await api.workstationTimeline(id, window)).intervals, intervalColumns, tz);
        case "model-event-types":
          return tableCsv((await drift()).flatMap(eventTypeRows), withModelVersion(eventTypeColumns), tz);
        case "model-confidence-histogram":
          return tableCsv(
            (await drift()).flatMap((m) => histogramRows(m.model_version, m.window.histogram, m.baseline.events > 0 ? m.baseline.histogram : null)),
            withModelVersion(histogramColumns),
            tz,
          );
      }
    };
    const csv = await build();
    const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, "");
    const name = `${api.siteId}-${table}${id ? `-${id.replace(/[^\w.-]+/g, "_")}` : ""}-${stamp(window.start)}-${stamp(window.end)}.csv`;
    return new Response(csv, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  } catch (err) {
    // A resource route has no error boundary: a thrown error would reach the browser as a bare
    // 500, so the download itself says what went wrong and what to do.
    if (!(err instanceof ApiRequestError)) throw err;
    const status = err.status === 404 ? 404 : err.status >= 500 ? 502 : err.status;
    return text(
      `The CSV could not be made: ${err.message}\nWhat to do: ${apiErrorAdvice(err)}\n(${err.code} · ${err.status} · ${err.path})\n`,
      status,
    );
  }
}
