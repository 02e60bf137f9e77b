import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "../components/DataTable";
import { Freshness } from "../components/Freshness";
import { HourlyChart } from "../components/HourlyChart";
import { MetricList } from "../components/MetricList";
import { RouteError } from "../components/RouteError";
import { StateTimeline } from "../components/StateTimeline";
import { useAutoRefresh } from "../components/useAutoRefresh";
import { PageHeader } from "../components/PageHeader";
import { formatDuration, formatNumber, formatPct, formatTime } from "../lib/format";
import { pageContext, withApiErrors } from "../lib/page-context.server";
import { confidenceColumns, intervalColumns } from "../lib/tables";
import { sitePath } from "../lib/site-path";
import { windowSearch } from "../lib/window";

export const meta: MetaFunction<typeof loader> = ({ params }) => [{ title: `Worker ${params.id} · Worker Productivity` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const id = params.id ?? "";
  return withApiErrors(async () => {
    const { api, site, window, now } = await pageContext(context, request, params, { workerDetail: true });
    const [worker, timeline, pending] = await Promise.all([
      api.worker(id, window),
      api.workerTimeline(id, window),
      // The count of pending recomputes is the operations API's (admin token only): a user's page
      // shows the cached figures' own pending_recompute flag instead.
      null as number | null,
    ]);
    return { id, site: { id: site.site_id, name: site.name, timeZone: site.time_zone }, window, now: now.toISOString(), worker, timeline, pendingRecomputes: pending };
  });
}

export default function WorkerPage() {
  const d = useLoaderData<typeof loader>();
  const refreshing = useAutoRefresh(d.window.live);
  const tz = d.site.timeZone;
  const m = d.worker.metrics;
  const search = windowSearch(d.window);
  const win = d.timeline.window;
  const idQs = `id=${encodeURIComponent(d.id)}&${search}`;
  const base = sitePath(d.site.id);
  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to={`${base}?${search}`}>← {d.site.name} overview</Link>
      </p>
      <PageHeader title={<>Worker {d.id} <span className="muted">· {d.site.name}</span></>} window={d.window} timeZone={tz} />
      <Freshness info={d.worker} pendingRecomputes={d.pendingRecomputes} now={d.now} timeZone={tz} live={d.window.live} refreshing={refreshing} />
      <MetricList
        label={`Metrics of worker ${d.id}`}
        items={[
          { label: "Utilization", value: formatPct(m.utilization_pct), testId: "worker-utilization" },
          { label: "Observed utilization", value: formatPct(m.observed_utilization_pct) },
          { label: "Working", value: formatDuration(m.working_seconds), testId: "worker-working" },
          { label: "Idle", value: formatDuration(m.idle_seconds) },
          { label: "Absent", value: formatDuration(m.absent_seconds) },
          { label: "Unknown", value: formatDuration(m.unknown_seconds) },
          { label: "Units", value: formatNumber(m.units), testId: "worker-units" },
          { label: "Units / working hour", value: formatNumber(m.units_per_working_hour, 1) },
          { label: "Units / window hour", value: formatNumber(m.units_per_window_hour, 1) },
          { label: "Events", value: formatNumber(m.events) },
          { label: "Late events", value: formatNumber(m.late_events), testId: "worker-late" },
          { label: "Avg confidence", value: formatNumber(m.avg_confidence, 2) },
          { label: "First seen", value: formatTime(m.first_seen, tz, { date: true }) },
          { label: "Last seen", value: formatTime(m.last_seen, tz, { date: true }) },
        ]}
      />
      {m.events === 0 && (
        <p className="notice">No events from {d.id} in this window: pick another window, or check that its camera is sending.</p>
      )}
      <section className="charts" aria-label="Timeline and units">
        <StateTimeline title="State over the window" intervals={d.timeline.intervals} rowOf={(i) => i.worker_id} window={win} timeZone={tz} />
        <HourlyChart
          title="Units per hour"
          description={`Units counted for ${d.id} in each hour.`}
          kind="bar"
          points={d.timeline.units.map((u) => ({ hour_start: u.hour_start, value: u.units }))}
          window={win}
          timeZone={tz}
          formatValue={(v) => formatNumber(v)}
          counts
        />
      </section>
      <h2>Detection confidence by model version</h2>
      <p className="muted">
        {formatNumber(m.late_events)} late event(s) in this window: events that arrived after newer ones from the same camera and triggered a
        recompute.
      </p>
      <DataTable
        caption="Confidence by model version"
        rows={d.timeline.confidence_by_model}
        columns={confidenceColumns}
        timeZone={tz}
        rowKey={(r) => r.model_version ?? "(none)"}
        csvHref={`${base}/export/worker-confidence?${idQs}`}
        testId="confidence-table"
      />
      <details className="chart-data">
        <summary>State intervals as a table ({d.timeline.intervals.length})</summary>
        <DataTable
          caption="State intervals"
          rows={d.timeline.intervals}
          columns={intervalColumns}
          timeZone={tz}
          rowKey={(r) => `${r.start}|${r.state}`}
          csvHref={`${base}/export/worker-intervals?${idQs}`}
          testId="intervals-table"
        />
      </details>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
