// A one-time link from an owner: an invitation (first password) or a password reset. Shows whose
// account it is and sets the password; the API then ends the user's sessions and uses the link up.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../contract/auth";
import { CsrfField } from "../components/CsrfField";
import { RouteError } from "../components/RouteError";
import { ApiRequestError, createApiClient } from "../lib/api.server";
import { readForm, verifyCsrf } from "../lib/csrf.server";
import { withApiErrors } from "../lib/page-context.server";
import { formatTime } from "../lib/format";

export const meta: MetaFunction = () => [{ title: "Set your password · Worker Productivity" }];

const INVALID = "This link is not valid: it may have been used already or have expired. Ask an owner for a new one.";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return withApiErrors(async () => {
    try {
      const link = await createApiClient(context.cloudflare.env, { request }).linkInfo(params.token ?? "");
      return data({ link, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 404) return data({ link: null, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }, { status: 404 });
      throw err;
    }
  });
}

// After the form, the link is used up (or unchanged): asking about it again would only answer 404.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod === "POST" ? false : defaultShouldRevalidate;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await withApiErrors(() => readForm(request));
  await withApiErrors(() => verifyCsrf(request, context, form));
  const password = String(form.get("password") ?? "");
  const repeat = String(form.get("repeat") ?? "");
  if (password.length < PASSWORD_MIN_LENGTH) {
    return data({ done: null, error: `The password needs at least ${PASSWORD_MIN_LENGTH} characters.` }, { status: 400 });
  }
  if (password !== repeat) return data({ done: null, error: "The two passwords differ: type the same one twice." }, { status: 400 });
  try {
    const done = await createApiClient(context.cloudflare.env, { request }).redeemLink(params.token ?? "", password);
    return data({ done, error: null });
  } catch (err) {
    if (!(err instanceof ApiRequestError)) throw err;
    if (err.status === 404) return data({ done: null, error: INVALID }, { status: 404 });
    return data({ done: null, error: `${err.message} (${err.code})` }, { status: err.status >= 500 ? 502 : err.status });
  }
}

export default function SetPassword() {
  // The limits come from the loader: contract/auth.ts (zod) stays out of the browser's bundle.
  const { link, minLength, maxLength } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  if (result?.done) {
    return (
      <div className="page narrow">
        <h1>Password set</h1>
        <p data-testid="link-done">
          The password of <strong>{result.done.email}</strong> is set; any earlier sessions of this account have been ended.
        </p>
        <p>
          <Link to={`/login?email=${encodeURIComponent(result.done.email)}`}>Sign in</Link>
        </p>
      </div>
    );
  }
  if (!link) {
    return (
      <div className="page narrow">
        <h1>Link not valid</h1>
        <p className="notice" data-testid="link-invalid">
          {INVALID}
        </p>
      </div>
    );
  }
  return (
    <div className="page narrow">
      <h1>{link.purpose === "invite" ? `Welcome, ${link.name}` : "Choose a new password"}</h1>
      <p>
        {link.purpose === "invite" ? "Set a password for your account " : "Set a new password for "}
        <strong data-testid="link-email">{link.email}</strong>. This link works once, until {formatTime(link.expires_at, "UTC", { date: true })}{" "}
        UTC.
      </p>
      <Form method="post" className="stacked-form">
        <CsrfField />
        {/* For password managers: whose password this is. */}
        <input type="text" name="username" autoComplete="username" value={link.email} readOnly hidden />
        {result?.error && (
          <p className="form-error" role="alert" data-testid="link-error">
            {result.error}
          </p>
        )}
        <label>
          New password <span className="muted">(at least {minLength} characters)</span>
          <input type="password" name="password" autoComplete="new-password" minLength={minLength} maxLength={maxLength} required />
        </label>
        <label>
          The same password again
          <input type="password" name="repeat" autoComplete="new-password" minLength={minLength} maxLength={maxLength} required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Set password"}
        </button>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
