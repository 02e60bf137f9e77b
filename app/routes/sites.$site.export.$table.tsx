// CSV downloads of the dashboard's tables: the same columns and window as on screen, raw values,
// times as ISO 8601 in the site's zone with its offset.
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { apiErrorAdvice } from "../components/RouteError";
import { ApiRequestError } from "../lib/api.server";
import { baselineBefore, versionLabel } from "../lib/drift";
import { apiFor, grantedSite, pageStatus, requireWorkerDetail } from "../lib/page-context.server";
import { setSecurityHeaders } from "../lib/security-headers.server";
import { PageError, requireUserForResource } from "../lib/session.server";
import {
  compareWorkers,
  compareWorkstations,
  confidenceColumns,
  countWorkersSeen,
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
  workstationCountColumns,
} from "../lib/tables";
import { previousWindow, resolveWindow } from "../lib/window";

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

/** Per-worker tables: managers, owners, viewers with worker detail. */
const needsWorkerDetail: readonly Table[] = ["workers", "worker-intervals", "worker-confidence"];

const text = (body: string, status: number) =>
  new Response(body, {
    status,
    headers: setSecurityHeaders(new Headers({ "content-type": "text/plain; charset=utf-8" }), { noStore: true }),
  });

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  try {
    // Who asks first: nothing about the site or its tables is told to someone not signed in.
    const user = await requireUserForResource(request, context);
    const site = grantedSite(user.me, params.site);
    const table = params.table as Table;
    if (!tables.includes(table)) return text(`Unknown table; one of: ${tables.join(", ")}\n`, 404);
    if (needsWorkerDetail.includes(table)) requireWorkerDetail(site);
    const id = new URL(request.url).searchParams.get("id") ?? "";
    if (needsId.includes(table) && !id) return text("Name the worker or workstation with ?id=\n", 400);

    const api = apiFor(context, request, user, site.site_id);
    const tz = site.time_zone;
    const window = resolveWindow(new URL(request.url).searchParams, tz, new Date());
    const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, "");
    const name = `${site.site_id}-${table}${id ? `-${id.replace(/[^\w.-]+/g, "_")}` : ""}-${stamp(window.start)}-${stamp(window.end)}.csv`;
    // The call that fetches the file's data names it: the API records who exported what.
    const exp = { exportName: name };
    const drift = async () => {
      const { models } = await api.modelDrift(window, baselineBefore(window), exp);
      return id ? models.filter((m) => versionLabel(m.model_version) === id) : models;
    };
    const build = async (): Promise<string> => {
      switch (table) {
        case "workers": {
          const [cur, prev] = await Promise.all([api.workers(window, exp), api.workers(previousWindow(window))]);
          return tableCsv(compareWorkers(cur.metrics, prev.metrics), workerColumns, tz);
        }
        case "workstations": {
          const [cur, prev] = await Promise.all([api.workstations(window, exp), api.workstations(previousWindow(window))]);
          const rows = compareWorkstations(cur.metrics, prev.metrics);
          // Which workers were at a workstation is per-worker data: without worker detail only how many.
          return site.worker_detail ? tableCsv(rows, workstationColumns, tz) : tableCsv(countWorkersSeen(rows), workstationCountColumns, tz);
        }
        case "hourly":
          return tableCsv((await api.factory(window, exp)).metrics.hourly, hourlyColumns, tz);
        case "worker-intervals":
          return tableCsv((await api.workerTimeline(id, window, exp)).intervals, intervalColumns, tz);
        case "worker-confidence":
          return tableCsv((await api.workerTimeline(id, window, exp)).confidence_by_model, confidenceColumns, tz);
        case "workstation-intervals":
          return tableCsv((await api.workstationTimeline(id, window, exp)).intervals, intervalColumns, tz);
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
    return new Response(csv, {
      headers: setSecurityHeaders(
        new Headers({ "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` }),
        { noStore: true },
      ),
    });
  } catch (err) {
    // A resource route has no error boundary: a thrown error would reach the browser as a bare
    // 500, so the download itself says what went wrong and what to do.
    if (err instanceof Response) return err;
    if (err instanceof PageError) {
      return text(`The CSV could not be made: ${err.message}\nWhat to do: ${apiErrorAdvice(err)}\n(${err.code} · ${err.status})\n`, err.status);
    }
    if (!(err instanceof ApiRequestError)) throw err;
    const status = pageStatus(err);
    return text(
      `The CSV could not be made: ${err.message}\nWhat to do: ${apiErrorAdvice(err)}\n(${err.code} · ${err.status} · ${err.path})\n`,
      status,
    );
  }
}
