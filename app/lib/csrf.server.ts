// Cross-site request forgery: every POST form carries a hidden `csrf` field equal to the random
// token in the signed `wpd_csrf` cookie (double submit: another site can make the browser send the
// cookie but can neither read it nor forge its signature), and a request whose Origin header names
// another origin is refused whatever it carries. SameSite=Lax on the session cookie is the first
// line; this is the second.
import { data, type AppLoadContext } from "@remix-run/cloudflare";
import { pendingHeaders } from "./response-headers.server";
import { dashboardCookie, PageError, readSignedCookie } from "./session.server";

export const CSRF_COOKIE = "wpd_csrf";
export const CSRF_FIELD = "csrf";

const csrfCookie = (request: Request, context: AppLoadContext) => dashboardCookie(CSRF_COOKIE, request, context.cloudflare.env);

const randomToken = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

async function cookieToken(request: Request, context: AppLoadContext): Promise<string | null> {
  const value = await readSignedCookie(csrfCookie(request, context), request);
  return value !== null && value.length >= 32 ? value : null;
}

const issued = new WeakMap<AppLoadContext, Promise<string>>();

/**
 * The token for this browser's forms (root.tsx's loader hands it to every page): the cookie's, or a
 * new one whose cookie goes out with this response.
 */
export function csrfToken(request: Request, context: AppLoadContext): Promise<string> {
  let p = issued.get(context);
  if (!p) {
    p = (async () => {
      const existing = await cookieToken(request, context);
      if (existing) return existing;
      const token = randomToken();
      pendingHeaders(context).append("Set-Cookie", await csrfCookie(request, context).serialize(token));
      return token;
    })();
    issued.set(context, p);
  }
  return p;
}

/** The body types of an HTML form (Remix's <Form> sends the first). */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The form an action was sent, read before anything else: a body that is not one (JSON, plain
 * text, none, a broken multipart) is the sender's mistake, answered 400 (a PageError: pages turn it
 * into a response with withApiErrors, the logout route into plain text), not a 500 from formData().
 */
export async function readForm(request: Request): Promise<FormData> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (FORM_TYPES.includes(type)) {
    try {
      return await request.formData();
    } catch {
      // A form type whose body does not parse: the same answer.
    }
  }
  const why = FORM_TYPES.includes(type) ? "its body is not a valid form" : `this request was sent as ${type || "a body without a Content-Type"}`;
  throw new PageError(400, "not_a_form", `This address only takes the dashboard's own forms (${FORM_TYPES.join(" or ")}), and ${why}.`);
}

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const refuse = (message: string) =>
  data({ code: "csrf_failed", message, status: 403 }, { status: 403, headers: { "Cache-Control": "private, no-store" } });

/** Why the form must be refused, or null: the token must match the cookie's and the Origin (if sent) must be ours. */
export async function csrfProblem(request: Request, context: AppLoadContext, form: FormData): Promise<string | null> {
  const origin = request.headers.get("Origin");
  if (origin !== null && origin !== new URL(request.url).origin) {
    return "This form was sent from another site; the dashboard only accepts its own forms.";
  }
  const sent = form.get(CSRF_FIELD);
  const expected = await cookieToken(request, context);
  if (!expected || typeof sent !== "string" || !equal(sent, expected)) {
    return "The form's security token did not match (the page may be old): reload the page and try again.";
  }
  return null;
}

/** For every action of a page: refuses (403, shown by the route's error boundary) what csrfProblem finds. */
export async function verifyCsrf(request: Request, context: AppLoadContext, form: FormData): Promise<void> {
  const problem = await csrfProblem(request, context, form);
  if (problem) throw refuse(problem);
}

/**
 * For the Pages entry, before Remix: a POST (or other write) whose Origin names another host than
 * the request's own. Remix refuses such a request too, but by throwing, which answers 500; this
 * answers what it is, 403, before any action runs. Undefined for everything else.
 */
export function crossSiteRefusal(request: Request): Response | undefined {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const origin = request.headers.get("Origin");
  if (origin === null) return undefined;
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host") || new URL(request.url).host;
  let originHost: string;
  try {
    originHost = origin === "null" ? "null" : new URL(origin).host;
  } catch {
    originHost = "unparsable";
  }
  if (originHost === host) return undefined;
  return new Response("This form was sent from another site; the dashboard only accepts its own forms.\n", {
    status: 403,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "private, no-store" },
  });
}
