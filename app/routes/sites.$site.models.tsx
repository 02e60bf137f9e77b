import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import driftStyles from "../components/drift.css?url";
import { ModelDriftPanel } from "../components/ModelDriftPanel";
import { RouteError } from "../components/RouteError";
import { PageHeader } from "../components/PageHeader";
import { BASELINE_DAYS, baselineBefore } from "../lib/drift";
import { formatTime } from "../lib/format";
import { pageContext, withApiErrors } from "../lib/page-context.server";
import { sitePath } from "../lib/site-path";
import { windowSearch } from "../lib/window";

export const meta: MetaFunction = () => [{ title: "Model drift · Worker Productivity" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: driftStyles }];

// A page of its own rather than a panel of the overview: drift is computed fresh from events on
// every read (nothing is cached) and grows with the window, while the overview reads cached
// figures and reloads every 30 s on live windows. The overview links here with its window.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    const { api, site, window, now } = await pageContext(context, request, params);
    const drift = await api.modelDrift(window, baselineBefore(window));
    return { site: { id: site.site_id, name: site.name, timeZone: site.time_zone }, window, now: now.toISOString(), drift };
  });
}

export default function ModelsPage() {
  const d = useLoaderData<typeof loader>();
  const tz = d.site.timeZone;
  const search = windowSearch(d.window);
  const base = sitePath(d.site.id);
  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to={`${base}?${search}`}>← {d.site.name} overview</Link>
      </p>
      <PageHeader title={<>Model drift <span className="muted">· {d.site.name}</span></>} window={d.window} timeZone={tz} />
      <p className="freshness">
        <span>
          Baseline: the {BASELINE_DAYS} days before the window. Computed from events at {formatTime(d.drift.computed_at, tz, { seconds: true })}
          {d.window.live ? "; reload for newer events." : "."}
        </span>
      </p>
      <ModelDriftPanel drift={d.drift} timeZone={tz} exportSearch={search} exportBase={base} />
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
