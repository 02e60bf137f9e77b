import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "../components/DataTable";
import { EmptyState } from "../components/EmptyState";
import { Freshness } from "../components/Freshness";
import { HourlyChart } from "../components/HourlyChart";
import { delta, KpiTile } from "../components/KpiTile";
import { RouteError } from "../components/RouteError";
import { useAutoRefresh } from "../components/useAutoRefresh";
import { PageHeader } from "../components/PageHeader";
import { BASELINE_DAYS } from "../lib/drift";
import { formatDuration, formatNumber, formatPct } from "../lib/format";
import { apiUrlForHumans, pageContext, withApiErrors } from "../lib/page-context.server";
import {
  compareWorkers,
  compareWorkstations,
  countWorkersSeen,
  hourlyColumns,
  namesWorkersSeen,
  workerColumns,
  workstationColumns,
  workstationCountColumns,
} from "../lib/tables";
import { sitePath } from "../lib/site-path";
import { presetLabels, previousWindow, windowSearch } from "../lib/window";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.site.name ?? "Site"} · Worker Productivity` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    const { api, site, window, now } = await pageContext(context, request, params);
    const before = previousWindow(window);
    // Per-worker figures only for those who may see them (managers, owners, viewers with worker
    // detail); the factory's totals and the workstations are for everyone with the site.
    const workerDetail = site.worker_detail;
    const [factory, workers, workstations, previous, prevWorkers, prevWorkstations, pending] = await Promise.all([
      api.factory(window),
      workerDetail ? api.workers(window) : null,
      api.workstations(window),
      api.factory(before),
      workerDetail ? api.workers(before) : null,
      api.workstations(before),
      // The count of pending recomputes is the operations API's (admin token only): a user's page
      // shows the cached figures' own pending_recompute flag instead.
      null as number | null,
    ]);
    const stations = compareWorkstations(workstations.metrics, prevWorkstations.metrics);
    return {
      site: { id: site.site_id, name: site.name, timeZone: site.time_zone, role: site.role, workerDetail },
      window,
      now: now.toISOString(),
      factory,
      workers: workers && prevWorkers ? compareWorkers(workers.metrics, prevWorkers.metrics) : null,
      // Which workers were at a workstation is per-worker data: without worker detail only how many.
      workstations: workerDetail ? stations : countWorkersSeen(stations),
      previous: previous.metrics,
      pendingRecomputes: pending,
      apiUrl: apiUrlForHumans(context),
    };
  });
}

export default function Overview() {
  const d = useLoaderData<typeof loader>();
  const refreshing = useAutoRefresh(d.window.live);
  const tz = d.site.timeZone;
  const f = d.factory.metrics;
  const p = d.previous;
  const search = windowSearch(d.window);
  const win = { start: d.factory.window.start, end: d.factory.window.end };
  const base = sitePath(d.site.id);
  const stateTotal = f.working_seconds + f.idle_seconds + f.absent_seconds + f.unknown_seconds;
  const stationTable = {
    caption: `Per workstation (${d.workstations.length})`,
    timeZone: tz,
    rowKey: (r: { workstation_id: string }) => r.workstation_id,
    rowHref: (r: { workstation_id: string }) => `${base}/workstations/${encodeURIComponent(r.workstation_id)}?${search}`,
    csvHref: `${base}/export/workstations?${search}`,
    initialSort: { key: "workstation_id", dir: "asc" as const },
    testId: "workstations-table",
  };
  const unknownShare = stateTotal > 0 ? (100 * f.unknown_seconds) / stateTotal : null;
  const prevTotal = p.working_seconds + p.idle_seconds + p.absent_seconds + p.unknown_seconds;
  const prevUnknownShare = prevTotal > 0 ? (100 * p.unknown_seconds) / prevTotal : null;
  const vs = "previous window";
  // Without events before, every change would read "from nothing": say it once instead.
  const comparable = p.events > 0;
  const change = (...args: Parameters<typeof delta>) => (comparable ? delta(...args) : undefined);

  return (
    <div className="page">
      <PageHeader title={<>{d.site.name} <span className="muted">· factory overview</span></>} window={d.window} timeZone={tz} />
      <Freshness info={d.factory} pendingRecomputes={d.pendingRecomputes} now={d.now} timeZone={tz} live={d.window.live} refreshing={refreshing} />

      {f.events === 0 ? (
        <EmptyState apiUrl={d.apiUrl} siteId={d.site.id} windowLabel={presetLabels[d.window.preset].toLowerCase()} now={d.now} />
      ) : (
        <>
          {!comparable && <p className="muted compare-note">No events in the previous window of the same length: nothing to compare with.</p>}
          <section className="kpis" aria-label="Key figures">
            <KpiTile
              testId="kpi-utilization"
              label="Utilization"
              value={formatPct(f.utilization_pct)}
              bandPct={f.utilization_pct}
              hint="working ÷ (working + idle + absent)"
              delta={change(f.utilization_pct, p.utilization_pct, { unit: "pp", higherIsBetter: true, label: vs })}
            />
            <KpiTile
              testId="kpi-units"
              label="Units"
              value={formatNumber(f.units)}
              hint={`${d.window.live ? "previous window, same time elapsed" : "previous window"}: ${formatNumber(p.units)}`}
              // A live window's previous one ends on a 5-minute step while this one runs to now, so
              // totals would be compared over unequal spans; the rates and ratios beside are fair.
              delta={d.window.live ? undefined : change(f.units, p.units, { unit: "%", higherIsBetter: true, label: vs })}
            />
            <KpiTile
              testId="kpi-units-per-hour"
              label="Units / hour"
              value={formatNumber(f.units_per_hour, 1)}
              hint="over the window so far"
              delta={change(f.units_per_hour, p.units_per_hour, { unit: "%", higherIsBetter: true, label: vs })}
            />
            <KpiTile
              testId="kpi-active-workers"
              label="Active workers"
              value={formatNumber(f.active_workers)}
              hint={`${formatNumber(f.workstations_active)} workstations active`}
              delta={change(f.active_workers, p.active_workers, { unit: "%", higherIsBetter: true, label: vs })}
            />
            <KpiTile
              testId="kpi-unknown"
              label="Unknown time"
              value={formatDuration(f.unknown_seconds)}
              hint={`${formatPct(unknownShare)} of tracked time: no camera signal`}
              delta={change(unknownShare, prevUnknownShare, { unit: "pp", higherIsBetter: false, label: vs })}
            />
          </section>

          <section className="charts" aria-label="Hourly charts">
            <HourlyChart
              title="Units per hour"
              description="Finished units counted in each hour of the window."
              kind="bar"
              points={f.hourly.map((h) => ({ hour_start: h.hour_start, value: h.units }))}
              window={win}
              timeZone={tz}
              formatValue={(v) => formatNumber(v)}
              counts
            />
            <HourlyChart
              title="Utilization per hour"
              description="Working ÷ (working + idle + absent) within each hour, as the Utilization tile; hours without tracked time are left blank."
              kind="line"
              points={f.hourly.map((h) => ({ hour_start: h.hour_start, value: h.utilization_pct }))}
              window={win}
              timeZone={tz}
              yMax={100}
              formatValue={(v) => formatPct(v, 0)}
            />
          </section>
          <details className="chart-data">
            <summary>Hourly figures as a table</summary>
            <DataTable
              caption="Hourly figures"
              rows={f.hourly}
              columns={hourlyColumns}
              timeZone={tz}
              rowKey={(r) => r.hour_start}
              csvHref={`${base}/export/hourly?${search}`}
              testId="hourly-table"
            />
          </details>

          {d.workers ? (
            <section aria-label="Workers">
              <h2>Workers</h2>
              <p className="muted">
                Utilization is working ÷ (working + idle + absent); change is in percentage points against the previous window of the same
                length.
              </p>
              <BandLegend />
              <DataTable
                caption={`Per worker (${d.workers.length})`}
                rows={d.workers}
                columns={workerColumns}
                timeZone={tz}
                rowKey={(r) => r.worker_id}
                rowHref={(r) => `${base}/workers/${encodeURIComponent(r.worker_id)}?${search}`}
                csvHref={`${base}/export/workers?${search}`}
                initialSort={{ key: "worker_id", dir: "asc" }}
                testId="workers-table"
              />
            </section>
          ) : (
            <section aria-label="Workers">
              <h2>Workers</h2>
              <p className="muted" data-testid="workers-hidden">
                Per-worker figures are not part of your access to this site (they are shown to managers, and to viewers granted worker
                detail); the totals above include every worker.
              </p>
            </section>
          )}
          <section aria-label="Workstations">
            <h2>Workstations</h2>
            <p className="muted" data-testid="workstations-note">
              Staffed utilization is working ÷ (working + idle + absent) over the time workers spent at the workstation, coloured like the
              workers&apos; utilization; change is in percentage points against the previous window. Occupancy is the share of the whole
              window with someone working there, nights and breaks included, so it is not coloured.
            </p>
            <BandLegend />
            {d.site.workerDetail && namesWorkersSeen(d.workstations) ? (
              <DataTable {...stationTable} rows={d.workstations} columns={workstationColumns} />
            ) : (
              // Without worker detail: how many workers were seen at each, not who.
              <DataTable {...stationTable} rows={countWorkersSeen(d.workstations)} columns={workstationCountColumns} />
            )}
          </section>
        </>
      )}
      <section aria-labelledby="drift-heading">
        <h2 id="drift-heading">Model drift</h2>
        <p>
          Detection confidence per model version in this window, tested against the {BASELINE_DAYS} days before it:{" "}
          <Link to={`${base}/models?${search}`} data-testid="drift-link">
            open the model drift panel
          </Link>
          .
        </p>
      </section>
    </div>
  );
}

function BandLegend() {
  return (
    <ul className="legend" aria-label="Utilization colours">
      <li>
        <span className="swatch band-low" aria-hidden="true" /> below 65 %
      </li>
      <li>
        <span className="swatch band-mid" aria-hidden="true" /> 65–85 %
      </li>
      <li>
        <span className="swatch band-high" aria-hidden="true" /> above 85 %
      </li>
    </ul>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
