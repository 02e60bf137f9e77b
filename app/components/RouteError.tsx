import { isRouteErrorResponse, useRouteError } from "@remix-run/react";

export type ApiErrorData = { code: string; message: string; status: number; path?: string };

/** What to do about each way loading can fail (the CSV export says the same in plain text). */
export function apiErrorAdvice(e: Pick<ApiErrorData, "code">): string {
  switch (e.code) {
    case "api_unreachable":
      return "Start the API (npm run dev starts it with the dashboard) or check the dashboard's API service binding / API_BASE.";
    case "api_not_configured":
      return "Bind the API worker as the service binding API (pages/wrangler.toml) or set API_BASE to its URL.";
    case "unauthorized":
      return "Your session has ended: sign in again.";
    case "session_secret_missing":
      return "Set the dashboard's SESSION_SECRET secret to a long random value (npx wrangler pages secret put SESSION_SECRET), then reload.";
    case "site_not_found":
      return "Pick one of your sites from the overview; if you need this one, ask an owner for access.";
    case "worker_detail_forbidden":
      return "Use the site's overview and workstation pages, or ask an owner to grant you worker detail.";
    case "forbidden":
    case "owner_only":
      return "Only owners can open this page; ask an owner if you need something changed.";
    case "no_such_user":
      return "Your sign-in through Cloudflare Access worked, but no account here has your email: ask an owner to add you.";
    case "account_disabled":
      return "Your account is disabled: ask an owner to enable it.";
    case "csrf_failed":
      return "Go back, reload the page and send the form again.";
    case "not_a_form":
      return "Send the form from the dashboard's page: reload it and try again.";
    case "database_unavailable":
      return "The API cannot reach its database; this page retries on reload.";
    case "worker_not_found":
    case "workstation_not_found":
      return "Check the id, or go back to the overview and pick one from its tables.";
    case "validation_failed":
      return "The window in the address is not valid; pick one from the window picker.";
    default:
      return "Reload the page; if it keeps failing, check the API's logs for this request.";
  }
}

function title(info: ApiErrorData): string {
  if (info.status === 404 && (info.code === "not_found" || info.code === "site_not_found")) return "Page not found";
  if (info.status === 403) return "Not allowed";
  return "The dashboard could not load this page";
}

export function RouteError() {
  const error = useRouteError();
  let info: ApiErrorData;
  if (isRouteErrorResponse(error)) {
    const d = error.data as Partial<ApiErrorData> | string | undefined;
    info =
      typeof d === "object" && d && d.code
        ? { code: d.code, message: d.message ?? "", status: error.status, path: d.path }
        : { code: error.status === 404 ? "not_found" : "error", message: typeof d === "string" ? d : error.statusText, status: error.status };
  } else {
    info = { code: "error", message: error instanceof Error ? error.message : "Something went wrong.", status: 500 };
  }
  return (
    <section className="error-panel" role="alert" data-testid="route-error">
      <h1>{title(info)}</h1>
      <p>{info.message}</p>
      <p>
        <strong>What to do:</strong> {info.code === "not_found" ? "Go back to the overview." : apiErrorAdvice(info)}
      </p>
      <p className="muted">
        {info.code} · {info.status}
        {info.path ? ` · ${info.path}` : ""}
      </p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </section>
  );
}
