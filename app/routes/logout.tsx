// Signing out: POST only (a link or an image cannot sign anyone out), with the CSRF token. Ends
// this session at the API, or with `everywhere` every session of the user, and removes the cookie.
import { redirect, type ActionFunctionArgs } from "@remix-run/cloudflare";
import { ApiRequestError, createApiClient } from "../lib/api.server";
import { csrfProblem, readForm } from "../lib/csrf.server";
import { setSecurityHeaders } from "../lib/security-headers.server";
import { destroySession, PageError, sessionToken } from "../lib/session.server";

/** A GET (a typed address, a prefetch) changes nothing. */
export const loader = () => redirect("/");

/** This route has no page: what it refuses is said in plain text. */
const text = (body: string, status: number) =>
  new Response(`${body}\n`, { status, headers: setSecurityHeaders(new Headers({ "Content-Type": "text/plain; charset=utf-8" }), { noStore: true }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  let form: FormData;
  try {
    form = await readForm(request);
  } catch (err) {
    if (err instanceof PageError) return text(err.message, err.status);
    throw err;
  }
  const problem = await csrfProblem(request, context, form);
  if (problem) return text(problem, 403);
  const token = await sessionToken(request, env);
  if (token) {
    const api = createApiClient(env, { token, request });
    const everywhere = Boolean(form.get("everywhere"));
    try {
      await (everywhere ? api.logoutEverywhere() : api.logout());
    } catch (err) {
      // A session the API no longer knows is over already. Otherwise this device's cookie still
      // goes; but "everywhere" that did not happen must not look as if it had.
      if (everywhere && !(err instanceof ApiRequestError && err.status === 401)) {
        return text(`Your other sessions could not be ended: ${err instanceof Error ? err.message : err}\nGo back and try again.`, 502);
      }
    }
  }
  const headers = setSecurityHeaders(new Headers({ "Set-Cookie": await destroySession(request, env) }), { noStore: true });
  return redirect("/login", { headers });
}
