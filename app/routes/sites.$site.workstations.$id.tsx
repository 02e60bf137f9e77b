import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { CompareBars } from "../components/CompareBars";
import { DataTable } from "../components/DataTable";
import { Freshness } from "../components/Freshness";
import { HourlyChart } from "../components/HourlyChart";
import { MetricList } from "../components/MetricList";
import { RouteError } from "../components/RouteError";
import { StateTimeline } from "../components/StateTimeline";
import { useAutoRefresh } from "../components/useAutoRefresh";
import { PageHeader } from "../components/PageHeader";
import { formatDuration, formatNumber, formatPct } from "../lib/format";
import { pageContext, withApiErrors } from "../lib/page-context.server";
import { intervalColumns } from "../lib/tables";
import { sitePath } from "../lib/site-path";
import { windowSearch } from "../lib/window";

export const meta: MetaFunction<typeof loader> = ({ params }) => [{ title: `Workstation ${params.id} · Worker Productivity` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const id = params.id ?? "";
  return withApiErrors(async () => {
    const { api, site, window, now } = await pageContext(context, request, params);
    const [station, timeline, pending] = await Promise.all([
      api.workstation(id, window),
      api.workstationTimeline(id, window),
      // The count of pending recomputes is the operations API's (admin token only): a user's page
      // shows the cached figures' own pending_recompute flag instead.
      null as number | null,
    ]);
    // Which workers were here is per-worker data: without worker detail the page shows how many, so
    // only the count goes to the browser (whatever the API answered in workers_seen).
    const { workers_seen, ...metrics } = station.metrics;
    const seen = site.worker_detail ? { workers_seen } : {};
    return {
      id,
      site: { id: site.site_id, name: site.name, timeZone: site.time_zone, workerDetail: site.worker_detail },
      window,
      now: now.toISOString(),
      station: { ...station, metrics: { ...metrics, workers_seen_count: workers_seen.length, ...seen } },
      timeline,
      pendingRecomputes: pending,
    };
  });
}

export default function WorkstationPage() {
  const d = useLoaderData<typeof loader>();
  const refreshing = useAutoRefresh(d.window.live);
  const tz = d.site.timeZone;
  const m = d.station.metrics;
  const search = windowSearch(d.window);
  const win = d.timeline.window;
  const base = sitePath(d.site.id);
  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to={`${base}?${search}`}>← {d.site.name} overview</Link>
      </p>
      <PageHeader title={<>Workstation {d.id} <span className="muted">· {d.site.name}</span></>} window={d.window} timeZone={tz} />
      <Freshness info={d.station} pendingRecomputes={d.pendingRecomputes} now={d.now} timeZone={tz} live={d.window.live} refreshing={refreshing} />
      <MetricList
        label={`Metrics of workstation ${d.id}`}
        items={[
          { label: "Staffed utilization", value: formatPct(m.staffed_utilization_pct), testId: "station-staffed-utilization" },
          { label: "Occupancy", value: formatPct(m.utilization_pct), testId: "station-occupancy" },
          { label: "Occupied", value: formatDuration(m.occupied_seconds), testId: "station-occupied" },
          { label: "Person-time working", value: formatDuration(m.person_working_seconds), testId: "station-person-time" },
          { label: "Idle", value: formatDuration(m.idle_seconds) },
          { label: "Absent", value: formatDuration(m.absent_seconds) },
          { label: "Units", value: formatNumber(m.units), testId: "station-units" },
          { label: "Units / occupied hour", value: formatNumber(m.units_per_hour, 1) },
          // Without worker detail the ids stay hidden (the loader sends none): how many, not who.
          m.workers_seen
            ? { label: "Workers seen", value: m.workers_seen.join(", ") || "–", testId: "station-workers-seen" }
            : { label: "Workers seen", value: formatNumber(m.workers_seen_count), testId: "station-workers-seen" },
          { label: "Events", value: formatNumber(m.events) },
        ]}
      />
      {d.timeline.worker_ids_redacted && (
        <p className="muted" data-testid="workers-labelled">
          Per-worker detail is not part of your access to this site: the workers here are told apart by numbered labels, not named.
        </p>
      )}
      {m.events === 0 && (
        <p className="notice" data-testid="station-empty">
          No events at workstation {d.id} in this window: pick another window, or check that the camera watching it is sending.
        </p>
      )}
      <section className="charts" aria-label="Occupancy and units">
        <StateTimeline
          title="Occupancy: who was here, in what state"
          intervals={d.timeline.intervals}
          // Without worker detail the API leaves intervals unnamed: one row per state then.
          rowOf={(i) => i.worker_id ?? "a worker"}
          window={win}
          timeZone={tz}
          states={["working", "idle", "absent"]}
        />
        <CompareBars
          title="Person-time vs occupied time"
          items={[
            { label: "Person-time", value: m.person_working_seconds, text: formatDuration(m.person_working_seconds) },
            { label: "Occupied", value: m.occupied_seconds, text: formatDuration(m.occupied_seconds), className: "bar bar-occupied" },
            { label: "Window so far", value: m.window_seconds, text: formatDuration(m.window_seconds), className: "bar bar-window" },
          ]}
        />
        <HourlyChart
          title="Units per hour"
          description={`Units counted at ${d.id} in each hour.`}
          kind="bar"
          points={d.timeline.units.map((u) => ({ hour_start: u.hour_start, value: u.units }))}
          window={win}
          timeZone={tz}
          formatValue={(v) => formatNumber(v)}
          counts
        />
      </section>
      <details className="chart-data">
        <summary>State intervals as a table ({d.timeline.intervals.length})</summary>
        <DataTable
          caption="State intervals at this workstation"
          rows={d.timeline.intervals}
          columns={intervalColumns}
          timeZone={tz}
          rowKey={(r) => `${r.worker_id ?? ""}|${r.start}|${r.state}`}
          csvHref={`${base}/export/workstation-intervals?id=${encodeURIComponent(d.id)}&${search}`}
          testId="intervals-table"
        />
      </details>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
