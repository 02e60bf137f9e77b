// CSV downloads of the dashboard's tables: the same columns and window as on screen, raw values.
import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { toCsv } from "../lib/csv";
import { pageContext, withApiErrors } from "../lib/page-context.server";
import { confidenceColumns, hourlyColumns, intervalColumns, workerColumns, workstationColumns } from "../lib/tables";

const tables = ["workers", "workstations", "hourly", "worker-intervals", "worker-confidence", "workstation-intervals"] as const;
type Table = (typeof tables)[number];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const table = params.table as Table;
  if (!tables.includes(table)) throw new Response(`Unknown table; one of: ${tables.join(", ")}`, { status: 404 });
  const id = new URL(request.url).searchParams.get("id") ?? "";
  if (table.includes("-") && !id) throw new Response("Name the worker or workstation with ?id=", { status: 400 });

  const { csv, window, siteId } = await withApiErrors(async () => {
    const { api, window } = await pageContext(context, request);
    const build = async (): Promise<string> => {
      switch (table) {
        case "workers":
          return toCsv((await api.workers(window)).metrics, workerColumns);
        case "workstations":
          return toCsv((await api.workstations(window)).metrics, workstationColumns);
        case "hourly":
          return toCsv((await api.factory(window)).metrics.hourly, hourlyColumns);
        case "worker-intervals":
          return toCsv((await api.workerTimeline(id, window)).intervals, intervalColumns);
        case "worker-confidence":
          return toCsv((await api.workerTimeline(id, window)).confidence_by_model, confidenceColumns);
        case "workstation-intervals":
          return toCsv((await api.workstationTimeline(id, window)).intervals, intervalColumns);
      }
    };
    return { csv: await build(), window, siteId: api.siteId };
  });
  const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, "");
  const name = `${siteId}-${table}${id ? `-${id.replace(/[^\w.-]+/g, "_")}` : ""}-${stamp(window.start)}-${stamp(window.end)}.csv`;
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    },
  });
}
