// The security headers of every dashboard response (README, "Accounts and access"): a
// Content-Security-Policy whose scripts must carry this response's nonce, no framing,
// no MIME sniffing, no referrer outside the dashboard, and no caching of anything signed-in.

/** A fresh nonce per response: 16 random bytes, base64. */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * The policy. Styles: the app's own markup uses stylesheets only, but visx's <Text> (the chart
 * axes' labels) renders `style="overflow:visible"` on the server, which CSP counts as inline style;
 * 'unsafe-inline' for styles (it cannot run code) keeps those labels from being logged as
 * violations. Without a nonce (data and file responses) no script may run at all.
 */
export function contentSecurityPolicy(nonce?: string): string {
  return [
    "default-src 'self'",
    nonce ? `script-src 'self' 'nonce-${nonce}'` : "script-src 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** Sets the security headers on a response's headers; `noStore` for anything signed-in. */
export function setSecurityHeaders(headers: Headers, opts: { nonce?: string; noStore?: boolean } = {}): Headers {
  headers.set("Content-Security-Policy", contentSecurityPolicy(opts.nonce));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "same-origin");
  if (opts.noStore) headers.set("Cache-Control", "private, no-store");
  return headers;
}

/**
 * The last line (pages/functions): a response that went around entry.server.tsx (a resource
 * route's redirect, the route manifest) still gets the headers; one that has them keeps its own.
 */
export function withBaselineHeaders(res: Response): Response {
  if (res.headers.has("Content-Security-Policy") && res.headers.has("X-Content-Type-Options")) return res;
  // Some responses (Response.redirect) have immutable headers: copy.
  const out = new Response(res.body, res);
  if (!out.headers.has("Content-Security-Policy")) out.headers.set("Content-Security-Policy", contentSecurityPolicy());
  out.headers.set("X-Content-Type-Options", "nosniff");
  if (!out.headers.has("Referrer-Policy")) out.headers.set("Referrer-Policy", "same-origin");
  return out;
}
