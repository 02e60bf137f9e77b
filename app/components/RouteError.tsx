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
      return "Set the dashboard's API_TOKEN secret to the API's ADMIN_TOKEN.";
    case "admin_disabled":
      return "Set ADMIN_TOKEN on the API worker and the same value as API_TOKEN on the dashboard.";
    case "site_not_found":
      return "Create the site with POST /api/sites, or set SITE_ID to an existing site.";
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
      <h1>{info.status === 404 && info.code === "not_found" ? "Page not found" : "The dashboard could not load this page"}</h1>
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
