// Owners only: the people who may sign in (invite, grant and revoke sites, disable, reset links,
// end their sessions) and each site's read keys for integrations. Invite and reset links and new
// keys are shown once, in the answer to the form that made them; only their hashes are stored.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { CsrfField } from "../components/CsrfField";
import { RouteError } from "../components/RouteError";
import { ApiRequestError } from "../lib/api.server";
import { readForm, verifyCsrf } from "../lib/csrf.server";
import { formatTime } from "../lib/format";
import { ownerContext, withApiErrors } from "../lib/page-context.server";

export const meta: MetaFunction = () => [{ title: "Users and keys · Worker Productivity" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    const { api, me } = await ownerContext(context, request);
    const [{ users }, keys] = await Promise.all([api.users.list(), Promise.all(me.sites.map((s) => api.readKeys.list(s.site_id)))]);
    return {
      meId: me.user.id,
      users,
      sites: me.sites.map((s) => ({ id: s.site_id, name: s.name })),
      keys: keys.map((k) => ({ siteId: k.site_id, keys: k.keys })),
    };
  });
}

type Outcome = { ok: boolean; message: string; secret?: { label: string; value: string; expires?: string } };

const field = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

export async function action({ request, context }: ActionFunctionArgs) {
  return withApiErrors(async () => {
    const form = await readForm(request);
    await verifyCsrf(request, context, form);
    const { api } = await ownerContext(context, request);
    const origin = new URL(request.url).origin;
    const linkUrl = (token: string) => `${origin}/links/${encodeURIComponent(token)}`;
    const userId = field(form, "user_id");
    const siteId = field(form, "site_id");
    const done = (o: Outcome) => data(o);
    try {
      switch (field(form, "intent")) {
        case "create-user": {
          const created = await api.users.create({ email: field(form, "email"), name: field(form, "name"), owner: form.get("owner") === "on" });
          return done({
            ok: true,
            message: `${created.user.email} added. Send them this invitation link to set their password; it is shown only now.`,
            secret: { label: `Invitation link for ${created.user.email}`, value: linkUrl(created.link.token), expires: created.link.expires_at },
          });
        }
        case "grant": {
          const role = field(form, "role") === "manager" ? "manager" : "viewer";
          const u = await api.users.grant(userId, siteId, { role, worker_detail: role === "manager" || form.get("worker_detail") === "on" });
          return done({ ok: true, message: `${u.email} is now ${role} of ${siteId}.` });
        }
        case "revoke-grant": {
          const u = await api.users.revokeGrant(userId, siteId);
          return done({ ok: true, message: `${u.email} no longer has ${siteId}.` });
        }
        case "set-status": {
          const status = field(form, "status") === "disabled" ? "disabled" : "active";
          const u = await api.users.update(userId, { status });
          return done({ ok: true, message: status === "disabled" ? `${u.email} is disabled; their sessions have ended.` : `${u.email} is enabled.` });
        }
        case "reset-link": {
          const link = await api.users.resetLink(userId);
          return done({
            ok: true,
            message: "Send this password reset link to the user; it is shown only now.",
            secret: { label: "Password reset link", value: linkUrl(link.token), expires: link.expires_at },
          });
        }
        case "logout-everywhere": {
          const { revoked } = await api.users.logoutEverywhere(userId);
          return done({ ok: true, message: `${revoked} session(s) ended.` });
        }
        case "create-key": {
          const key = await api.readKeys.create(siteId, { name: field(form, "name"), worker_detail: form.get("worker_detail") === "on" });
          return done({
            ok: true,
            message: `Read key "${key.name}" created for ${siteId}. Copy it now: it is shown only once.`,
            secret: { label: `Read key for ${siteId}`, value: key.key },
          });
        }
        case "revoke-key": {
          const key = await api.readKeys.revoke(siteId, field(form, "key_id"));
          return done({ ok: true, message: `Read key "${key.name}" of ${siteId} revoked.` });
        }
        default:
          return data<Outcome>({ ok: false, message: "Unknown action." }, { status: 400 });
      }
    } catch (err) {
      // The API's refusal (a taken email, an invalid name) is said next to the forms.
      if (err instanceof ApiRequestError && err.status < 500 && err.status !== 401) {
        return data<Outcome>({ ok: false, message: `${err.message} (${err.code})` }, { status: err.status });
      }
      throw err;
    }
  });
}

function ActionForm(props: { intent: string; fields?: Record<string, string>; children: ReactNode; className?: string }) {
  // After a change succeeds the loaders reload: forms that typed something start empty again.
  const outcome = useActionData<typeof action>();
  return (
    <Form method="post" className={props.className ?? "inline-form"} key={outcome?.ok ? outcome.message : "form"}>
      <CsrfField />
      <input type="hidden" name="intent" value={props.intent} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      {props.children}
    </Form>
  );
}

const when = (iso: string | null) => (iso ? `${formatTime(iso, "UTC", { date: true })} UTC` : "never");

export default function AdminUsers() {
  const d = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const siteName = (id: string) => d.sites.find((s) => s.id === id)?.name ?? id;
  return (
    <div className="page admin">
      <h1>Users and read keys</h1>
      {outcome && (
        <div className={outcome.ok ? "notice ok" : "form-error"} role={outcome.ok ? "status" : "alert"} data-testid="admin-outcome">
          <p>{outcome.message}</p>
          {outcome.secret && (
            <p>
              {outcome.secret.label}
              {outcome.secret.expires ? ` (valid until ${when(outcome.secret.expires)})` : ""}:<br />
              <code className="secret" data-testid="one-time-secret">
                {outcome.secret.value}
              </code>
            </p>
          )}
        </div>
      )}

      <section aria-labelledby="add-user">
        <h2 id="add-user">Add a user</h2>
        <ActionForm intent="create-user" className="row-form">
          <label>
            Email <input type="email" name="email" required autoComplete="off" />
          </label>
          <label>
            Name <input type="text" name="name" required autoComplete="off" />
          </label>
          <label className="check">
            <input type="checkbox" name="owner" /> Owner (every site, users, keys, audit)
          </label>
          <button type="submit" disabled={busy}>
            Add and create invitation link
          </button>
        </ActionForm>
      </section>

      <section aria-labelledby="users">
        <h2 id="users">Users ({d.users.length})</h2>
        <div className="table-wrap">
          <table data-testid="users-table">
            <thead>
              <tr>
                <th>User</th>
                <th>Status</th>
                <th>Access</th>
                <th>Last sign-in</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {d.users.map((u) => (
                <tr key={u.id} data-user={u.email}>
                  <th scope="row">
                    {u.name}
                    <br />
                    <span className="muted">{u.email}</span>
                  </th>
                  <td>
                    <span className={`status status-${u.status}`}>{u.status}</span>
                  </td>
                  <td className="wrap">
                    {u.owner ? (
                      <p>Owner: every site</p>
                    ) : (
                      <>
                        {u.sites.length === 0 && <p className="muted">No site</p>}
                        <ul className="grants">
                          {u.sites.map((g) => (
                            <li key={g.site_id}>
                              {siteName(g.site_id)}: {g.role}
                              {g.role === "viewer" && (g.worker_detail ? ", with worker detail" : ", without worker detail")}{" "}
                              <ActionForm intent="revoke-grant" fields={{ user_id: u.id, site_id: g.site_id }}>
                                <button type="submit" className="link-button" disabled={busy}>
                                  revoke
                                </button>
                              </ActionForm>
                            </li>
                          ))}
                        </ul>
                        {d.sites.length > 0 && (
                          <ActionForm intent="grant" fields={{ user_id: u.id }} className="row-form small">
                            <label>
                              <span className="sr-only">Site</span>
                              <select name="site_id" aria-label={`Site to grant ${u.email}`}>
                                {d.sites.map((s) => (
                                  <option key={s.id} value={s.id}>
                                    {s.name}
                                  </option>
                                ))}
                              </select>
                            </label>
                            <label>
                              <span className="sr-only">Role</span>
                              <select name="role" aria-label={`Role of ${u.email}`} defaultValue="viewer">
                                <option value="viewer">viewer</option>
                                <option value="manager">manager</option>
                              </select>
                            </label>
                            <label className="check">
                              <input type="checkbox" name="worker_detail" /> worker detail
                            </label>
                            <button type="submit" disabled={busy}>
                              Grant
                            </button>
                          </ActionForm>
                        )}
                      </>
                    )}
                  </td>
                  <td>{when(u.last_login_at)}</td>
                  <td className="actions">
                    {u.id !== d.meId && (
                      <ActionForm intent="set-status" fields={{ user_id: u.id, status: u.status === "disabled" ? "active" : "disabled" }}>
                        <button type="submit" disabled={busy}>
                          {u.status === "disabled" ? "Enable" : "Disable"}
                        </button>
                      </ActionForm>
                    )}
                    <ActionForm intent="reset-link" fields={{ user_id: u.id }}>
                      <button type="submit" disabled={busy}>
                        {u.status === "invited" ? "New invitation link" : "Reset link"}
                      </button>
                    </ActionForm>
                    <ActionForm intent="logout-everywhere" fields={{ user_id: u.id }}>
                      <button type="submit" disabled={busy}>
                        Log out everywhere
                      </button>
                    </ActionForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="read-keys">
        <h2 id="read-keys">Read keys</h2>
        <p className="muted">
          For integrations and BI tools: a read key reads its own site&apos;s figures through the API (per-worker figures only with worker
          detail). It cannot send events or change anything.
        </p>
        {d.keys.map(({ siteId, keys }) => (
          <div key={siteId} className="site-keys" data-site={siteId}>
            <h3>{siteName(siteId)}</h3>
            {keys.length > 0 ? (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Worker detail</th>
                      <th>Created</th>
                      <th>State</th>
                      <th>
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {keys.map((k) => (
                      <tr key={k.id}>
                        <th scope="row">{k.name}</th>
                        <td>{k.worker_detail ? "yes" : "no"}</td>
                        <td>{when(k.created_at)}</td>
                        <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : "active"}</td>
                        <td>
                          {!k.revoked_at && (
                            <ActionForm intent="revoke-key" fields={{ site_id: siteId, key_id: k.id }}>
                              <button type="submit" disabled={busy}>
                                Revoke
                              </button>
                            </ActionForm>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No read keys.</p>
            )}
            <ActionForm intent="create-key" fields={{ site_id: siteId }} className="row-form">
              <label>
                Key name <input type="text" name="name" required autoComplete="off" />
              </label>
              <label className="check">
                <input type="checkbox" name="worker_detail" /> worker detail
              </label>
              <button type="submit" disabled={busy}>
                Create read key
              </button>
            </ActionForm>
          </div>
        ))}
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
