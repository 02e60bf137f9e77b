// The organisation overview: every site the user may open, side by side, with today's figures
// (today in each site's own time zone) from the API's cache, and a link to each site's dashboard.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { RouteError } from "../components/RouteError";
import { useAutoRefresh } from "../components/useAutoRefresh";
import { utilizationBand, formatDuration, formatNumber, formatPct, formatTime } from "../lib/format";
import { ApiRequestError } from "../lib/api.server";
import { apiFor, withApiErrors } from "../lib/page-context.server";
import { requireUser } from "../lib/session.server";
import { sitePath } from "../lib/site-path";
import { resolveWindow } from "../lib/window";

export const meta: MetaFunction = () => [{ title: "All sites · Worker Productivity" }];

const roleLabels = { owner: "owner", manager: "manager", viewer: "viewer" } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    const user = await requireUser(request, context);
    const now = new Date();
    const today = new URLSearchParams("window=today");
    // The fixed shifts of the dashboard's window picker (06-14, 14-22, 22-06 local).
    const shift = new URLSearchParams("window=shift");
    const sites = await Promise.all(
      user.me.sites.map(async (s) => {
        const window = resolveWindow(today, s.time_zone, now);
        const shiftWindow = resolveWindow(shift, s.time_zone, now);
        const base = { id: s.site_id, name: s.name, timeZone: s.time_zone, role: s.role, workerDetail: s.worker_detail };
        try {
          const api = apiFor(context, request, user, s.site_id);
          const [f, sh] = await Promise.all([api.factory(window), api.factory(shiftWindow)]);
          const m = f.metrics;
          const tracked = m.working_seconds + m.idle_seconds + m.absent_seconds + m.unknown_seconds;
          return {
            ...base,
            figures: {
              utilization_pct: m.utilization_pct,
              units: m.units,
              units_per_hour: m.units_per_hour,
              active_workers: m.active_workers,
              unknown_seconds: m.unknown_seconds,
              unknown_share_pct: tracked > 0 ? (100 * m.unknown_seconds) / tracked : null,
              events: m.events,
              pending_recompute: f.pending_recompute,
              stale: f.stale,
              computed_at: f.computed_at,
            },
            shift: {
              start: shiftWindow.start.toISOString(),
              end: shiftWindow.end.toISOString(),
              utilization_pct: sh.metrics.utilization_pct,
              units: sh.metrics.units,
              units_per_hour: sh.metrics.units_per_hour,
              active_workers: sh.metrics.active_workers,
            },
            problem: null,
          };
        } catch (err) {
          // One site's failure is that site's card, not the whole page.
          if (!(err instanceof ApiRequestError)) throw err;
          return { ...base, figures: null, shift: null, problem: `${err.message} (${err.code})` };
        }
      }),
    );
    return { now: now.toISOString(), owner: user.me.user.owner, sites };
  });
}

export default function Organisation() {
  const d = useLoaderData<typeof loader>();
  // Today is always live: the figures follow as the site pages' do.
  useAutoRefresh(d.sites.length > 0);
  return (
    <div className="page">
      <div className="page-head">
        <h1>All sites</h1>
        <p className="muted">Today so far and the current shift, in each site&apos;s own time zone, from the cached figures.</p>
      </div>
      {d.sites.length === 0 ? (
        <section className="empty" data-testid="no-sites">
          <h2>No sites yet</h2>
          <p>
            {d.owner
              ? "Create a site with POST /api/sites (see the README), then it appears here."
              : "Your account has no site yet: ask an owner to grant you one."}
          </p>
        </section>
      ) : (
        <ul className="site-cards" aria-label="Sites">
          {d.sites.map((s) => {
            const f = s.figures;
            return (
              <li key={s.id} className="site-card" data-testid="site-card" data-site={s.id}>
                <h2>
                  <Link to={sitePath(s.id)}>{s.name}</Link>
                </h2>
                <p className="muted site-meta">
                  {s.timeZone} · your role: {roleLabels[s.role]}
                </p>
                {f ? (
                  <>
                    <dl className="metrics-grid site-figures">
                      <div className={`band-${utilizationBand(f.utilization_pct)}`}>
                        <dt>Utilization</dt>
                        <dd data-testid="site-utilization">{formatPct(f.utilization_pct)}</dd>
                      </div>
                      <div>
                        <dt>Units</dt>
                        <dd data-testid="site-units">{formatNumber(f.units)}</dd>
                      </div>
                      <div>
                        <dt>Units / hour</dt>
                        <dd>{formatNumber(f.units_per_hour, 1)}</dd>
                      </div>
                      <div>
                        <dt>Active workers</dt>
                        <dd data-testid="site-active-workers">{formatNumber(f.active_workers)}</dd>
                      </div>
                      <div>
                        <dt>Unknown time</dt>
                        <dd>
                          {formatDuration(f.unknown_seconds)} <span className="muted">({formatPct(f.unknown_share_pct)})</span>
                        </dd>
                      </div>
                    </dl>
                    {s.shift && (
                      <p className="site-shift" data-testid="site-shift">
                        Current shift ({formatTime(s.shift.start, s.timeZone)}–{formatTime(s.shift.end, s.timeZone)}):{" "}
                        <span className={`band-${utilizationBand(s.shift.utilization_pct)}`}>{formatPct(s.shift.utilization_pct)}</span> utilization,{" "}
                        {formatNumber(s.shift.units)} units, {formatNumber(s.shift.units_per_hour, 1)}/h, {formatNumber(s.shift.active_workers)} active
                      </p>
                    )}
                    <p className="freshness">
                      <span>As of {formatTime(f.computed_at, s.timeZone)}</span>
                      {f.pending_recompute && (
                        <span className="badge warn" data-testid="site-pending">
                          late data being recomputed
                        </span>
                      )}
                      {f.stale && !f.pending_recompute && <span className="badge warn">stale</span>}
                      {f.events === 0 && <span className="badge">no events today</span>}
                    </p>
                  </>
                ) : (
                  <p className="notice" role="alert">
                    Today&apos;s figures could not be loaded: {s.problem}
                  </p>
                )}
                <p>
                  <Link to={sitePath(s.id)}>Open {s.name} →</Link>
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
