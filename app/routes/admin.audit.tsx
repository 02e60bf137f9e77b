// Owners only: the audit log, newest first: who did what to which site, when and from which
// address (sign-ins and failed sign-ins, exports, users, grants, keys, site changes). Pages back
// with ?before=<id>; ?site= and ?action= narrow it.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { auditActions } from "../../contract/sites";
import { RouteError } from "../components/RouteError";
import { ownerContext, withApiErrors } from "../lib/page-context.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Worker Productivity" }];

const AUDIT_PAGE_SIZE = 50;

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    const { api, me } = await ownerContext(context, request);
    const q = new URL(request.url).searchParams;
    const before = Number(q.get("before"));
    const site = q.get("site") ?? "";
    const action = (auditActions as readonly string[]).includes(q.get("action") ?? "") ? q.get("action")! : "";
    const { entries } = await api.audit({
      limit: AUDIT_PAGE_SIZE,
      before_id: Number.isInteger(before) && before > 0 ? before : undefined,
      site,
      action,
    });
    return {
      entries,
      filter: { site, action, before: Number.isInteger(before) && before > 0 ? before : null },
      // The list for the filter comes from here: contract/sites.ts (zod) stays out of the browser bundle.
      actions: [...auditActions],
      sites: me.sites.map((s) => ({ id: s.site_id, name: s.name })),
      more: entries.length === AUDIT_PAGE_SIZE,
    };
  });
}

/** Details as short `key: value` pairs. */
function detailText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

export default function AuditLog() {
  const d = useLoaderData<typeof loader>();
  const qs = (extra: Record<string, string>) => {
    const p = new URLSearchParams({ ...(d.filter.site ? { site: d.filter.site } : {}), ...(d.filter.action ? { action: d.filter.action } : {}), ...extra });
    const s = p.toString();
    return s ? `?${s}` : "";
  };
  const last = d.entries.at(-1);
  return (
    <div className="page admin">
      <h1>Audit log</h1>
      <Form method="get" className="row-form">
        <label>
          Site{" "}
          <select name="site" defaultValue={d.filter.site}>
            <option value="">any</option>
            {d.sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{" "}
          <select name="action" defaultValue={d.filter.action}>
            <option value="">any</option>
            {d.actions.map((a) => (
              <option key={a} value={a}>
                {a.replace(/_/g, " ")}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </Form>
      <div className="table-wrap">
        <table data-testid="audit-table">
          <caption>
            {d.filter.before ? "Older entries" : "Latest entries"} ({d.entries.length}), times in UTC
          </caption>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Site</th>
              <th>From</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {d.entries.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td>
                  <time dateTime={e.at}>{e.at.slice(0, 19).replace("T", " ")}</time>
                </td>
                <td>{e.actor}</td>
                <td>{e.action.replace(/_/g, " ")}</td>
                <td>{e.site_id ?? "–"}</td>
                <td>{e.ip ?? "–"}</td>
                <td className="wrap">{detailText(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {d.entries.length === 0 && <p className="muted">No entries.</p>}
      <nav className="pager" aria-label="Pages">
        {d.filter.before && <Link to={qs({})}>Newest</Link>}
        {d.more && last && (
          <Link to={qs({ before: String(last.id) })} data-testid="audit-older">
            Older entries →
          </Link>
        )}
      </nav>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
