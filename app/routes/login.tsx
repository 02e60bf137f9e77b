// Signing in with email and password. The API checks the password, throttles failures and issues a
// new session (never an old one: a token planted in the browser beforehand is replaced); the token
// goes into the signed, HttpOnly session cookie and the browser on to `next`, a path on this
// dashboard only.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { LOGIN_THROTTLE_SECONDS } from "../../contract/constants";
import { CsrfField } from "../components/CsrfField";
import { RouteError } from "../components/RouteError";
import { ApiRequestError, createApiClient } from "../lib/api.server";
import { readForm, verifyCsrf } from "../lib/csrf.server";
import { withApiErrors } from "../lib/page-context.server";
import { commitSession, currentUser, safeNext } from "../lib/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Worker Productivity" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  // Signed in already (or just now, through Cloudflare Access): on to where they were going.
  const user = await withApiErrors(() => currentUser(request, context));
  if (user) throw redirect(safeNext(url.searchParams.get("next"), request), { headers: user.headers });
  return { next: url.searchParams.get("next") ?? "", email: url.searchParams.get("email") ?? "" };
}

type Failure = { error: string; email: string };

const fail = (error: string, email: string, status: number) => data<Failure>({ error, email }, { status });

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await withApiErrors(() => readForm(request));
  await withApiErrors(() => verifyCsrf(request, context, form));
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  if (!email || !password) return fail("Enter your email and your password.", email, 400);
  const env = context.cloudflare.env;
  try {
    const session = await createApiClient(env, { request }).login(email, password);
    return redirect(safeNext(String(form.get("next") ?? ""), request), {
      headers: { "Set-Cookie": await commitSession(request, env, session.token), "Cache-Control": "private, no-store" },
    });
  } catch (err) {
    if (!(err instanceof ApiRequestError)) throw err;
    switch (err.code) {
      case "invalid_credentials":
        return fail("Email or password is wrong.", email, 401);
      case "validation_failed":
        // Not an email address, or a password longer than any can be: wrong either way.
        return fail("Email or password is wrong.", email, 400);
      case "account_disabled":
        return fail("This account is disabled: ask an owner to enable it.", email, 403);
      case "too_many_attempts": {
        const minutes = Math.max(1, Math.ceil((err.retryAfter ?? LOGIN_THROTTLE_SECONDS) / 60));
        return fail(`Too many failed sign-ins. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`, email, 429);
      }
      default:
        return fail(`Signing in is not possible right now: ${err.message} (${err.code}). Try again shortly.`, email, err.status >= 500 ? 502 : err.status);
    }
  }
}

export default function Login() {
  const d = useLoaderData<typeof loader>();
  const failed = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="page narrow">
      <h1>Sign in</h1>
      <Form method="post" className="stacked-form" aria-describedby={failed ? "login-error" : undefined}>
        <CsrfField />
        <input type="hidden" name="next" value={d.next} />
        {failed && (
          <p className="form-error" role="alert" id="login-error" data-testid="login-error">
            {failed.error}
          </p>
        )}
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required defaultValue={failed?.email ?? d.email} autoFocus />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </Form>
      <p className="muted">Forgot your password, or no account yet? Ask an owner of this dashboard for a link to set one.</p>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
