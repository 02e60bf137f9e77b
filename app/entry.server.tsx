import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/cloudflare";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToReadableStream } from "react-dom/server";
import { NonceContext } from "./lib/nonce";
import { applyPendingHeaders } from "./lib/response-headers.server";
import { newNonce, setSecurityHeaders } from "./lib/security-headers.server";

const ABORT_DELAY = 5000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const controller = new AbortController();
  const timeoutId = setTimeout(() => controller.abort(), ABORT_DELAY);
  // One per response: only scripts the server wrote into this page run (CSP script-src).
  const nonce = newNonce();

  const body = await renderToReadableStream(
    <NonceContext.Provider value={nonce}>
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
    </NonceContext.Provider>,
    {
      nonce,
      signal: controller.signal,
      onError(error: unknown) {
        if (!controller.signal.aborted) console.error(error);
        responseStatusCode = 500;
      },
    },
  );
  body.allReady.then(() => clearTimeout(timeoutId));

  // Crawlers and screenshot tools get the complete document at once.
  if (isbot(request.headers.get("user-agent") || "")) await body.allReady;

  responseHeaders.set("Content-Type", "text/html");
  // Every page may show someone's figures or a one-time secret: never stored (the sign-in page too).
  setSecurityHeaders(responseHeaders, { nonce, noStore: true });
  applyPendingHeaders(loadContext, responseHeaders);
  return new Response(body, { headers: responseHeaders, status: responseStatusCode });
}

/** Client navigations' data (single fetch): the same headers, and any cookie a loader queued. */
export const handleDataRequest: HandleDataRequestFunction = (response, { context }) => {
  setSecurityHeaders(response.headers, { noStore: true });
  applyPendingHeaders(context, response.headers);
  return response;
};
