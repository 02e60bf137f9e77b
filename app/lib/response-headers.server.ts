// Headers a loader wants on the response it is part of, without returning a Response: a cookie set
// while resolving the session (the Cloudflare Access exchange) or the first CSRF cookie. Loaders
// return plain data; entry.server.tsx (documents) and its handleDataRequest (client navigations)
// add what was queued here for their request's load context.
import type { AppLoadContext } from "@remix-run/cloudflare";

const pending = new WeakMap<AppLoadContext, Headers>();

/** The headers queued for this request (one load context per request). */
export function pendingHeaders(context: AppLoadContext): Headers {
  let h = pending.get(context);
  if (!h) pending.set(context, (h = new Headers()));
  return h;
}

/** Adds the queued headers to a response's; Set-Cookie is appended, anything else replaces. */
export function applyPendingHeaders(context: AppLoadContext, headers: Headers): void {
  const h = pending.get(context);
  if (!h) return;
  for (const cookie of h.getSetCookie()) headers.append("Set-Cookie", cookie);
  h.forEach((value, key) => {
    if (key !== "set-cookie") headers.set(key, value);
  });
}
