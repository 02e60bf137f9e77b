// Dashboard URLs of a site, and where the site switcher goes: the same page of another site where
// that page exists there (the site's dashboard, model drift) with the same window; a worker's or a
// workstation's page becomes the other site's dashboard, since ids are per site.

export const sitePath = (siteId: string, rest = "") => `/sites/${encodeURIComponent(siteId)}${rest}`;

/** The current site in a dashboard path, if it names one. */
export function siteOfPath(pathname: string): string | undefined {
  const m = /^\/sites\/([^/]+)/.exec(pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/** Where "switch to `siteId`" leads from `pathname` + `search`. */
export function switchSitePath(pathname: string, search: string, siteId: string): string {
  const m = /^\/sites\/[^/]+(\/.*)?$/.exec(pathname);
  const rest = m?.[1] ?? "";
  const params = new URLSearchParams(search);
  // The window carries over; a worker, workstation or model version id does not.
  params.delete("id");
  const qs = m ? params.toString() : "";
  const page = rest === "/models" ? "/models" : "";
  return `${sitePath(siteId, page)}${qs ? `?${qs}` : ""}`;
}
