// A deploy with a missing or malformed variable fails at once at every entry point, naming the
// variable (README, "Configuration"): the API answers 500 `misconfigured`, the queue consumer and
// the cron throw.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliverRecompute, fetchWith, testEnv } from "../../test/helpers";
import type { Bindings } from "../env";
import worker from "../index";
import { bindingsSchema } from "./bindings";

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

/** The test bindings with some variables changed (undefined: not set). */
const withVars = (vars: Record<string, unknown>) => ({ ...testEnv, ...vars }) as unknown as Bindings;

const SECRET_URL = "mysql://admin:hunter2@db.example.com/prod";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The misconfigured log lines (and keeps them out of the test output). */
function captureErrors() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  return () => spy.mock.calls.map((args) => String(args[0])).filter((line) => line.includes('"msg":"misconfigured"'));
}

describe("the API with bad bindings", () => {
  it("answers 500 misconfigured naming DATABASE_URL when it is not set, and logs it once", async () => {
    const errors = captureErrors();
    const env = withVars({ DATABASE_URL: undefined });
    const res = await fetchWith(env, "/health");
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const { error } = (await res.json()) as ErrorBody;
    expect(error.code).toBe("misconfigured");
    expect(error.message).toMatch(/^The worker is misconfigured: DATABASE_URL is not set/);
    expect(error.details).toEqual([{ path: "DATABASE_URL", message: expect.stringMatching(/^is not set/) }]);

    // Every route, not only the ones that use the database; the check ran once for this env.
    const again = await fetchWith(env, "/no/such/route");
    expect(again.status).toBe(500);
    expect(((await again.json()) as ErrorBody).error.code).toBe("misconfigured");
    expect(errors()).toHaveLength(1);
    expect(JSON.parse(errors()[0])).toMatchObject({ level: "error", details: [{ path: "DATABASE_URL" }] });
  });

  it.each([
    ["ENVIRONMENT", "prod eu", /^must be one word of letters/],
    ["SENTRY_DSN", "https://sentry.example.com/not-a-project", /Sentry DSN/],
    ["NEON_LOCAL_PROXY", "ws://127.0.0.1:4444/v1", /host:port/],
    ["DATABASE_URL", SECRET_URL, /postgres:\/\//],
    ["ADMIN_TOKEN", "token-with-a-line-break\n", /spaces or line breaks/],
    ["RECOMPUTE", "productivity-recompute", /^is not a queue producer binding$/],
    ["INGEST_RATE_LIMIT", { limit: 3000, period: 10 }, /^is not a rate limiting binding$/],
  ])("names %s when it is malformed, without quoting its value", async (name, value, message) => {
    captureErrors();
    const res = await fetchWith(withVars({ [name]: value }), "/health");
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ code: "misconfigured", details: [{ path: name, message: expect.stringMatching(message) }] });
    expect(error.message).toContain(`misconfigured: ${name} `);
    if (typeof value === "string") expect(error.message).not.toContain(value.trim());
  });

  it("names every variable at fault at once", async () => {
    captureErrors();
    const res = await fetchWith(withVars({ DATABASE_URL: undefined, ENVIRONMENT: "staging (EU)" }), "/health");
    const { error } = (await res.json()) as ErrorBody;
    expect(error.details.map((d) => d.path)).toEqual(["DATABASE_URL", "ENVIRONMENT"]);
    expect(error.message).toMatch(/DATABASE_URL is not set.*; ENVIRONMENT must be one word/);
  });

  it("tells Sentry once when SENTRY_DSN itself is sound", async () => {
    captureErrors();
    const sent: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      sent.push(String(input instanceof Request ? input.url : input));
      return new Response("{}");
    });
    const env = withVars({ DATABASE_URL: undefined, SENTRY_DSN: "https://abc123@o1.ingest.sentry.io/42" });
    await fetchWith(env, "/health");
    await fetchWith(env, "/health");
    expect(sent.filter((url) => url.includes("/api/42/"))).toHaveLength(1);
  });

  it("takes the variables as the tests, dev and wrangler.toml set them, and empty optional ones", async () => {
    expect(bindingsSchema.safeParse(testEnv).success).toBe(true);
    for (const vars of [
      { SENTRY_DSN: "", ADMIN_TOKEN: "", ENVIRONMENT: "production" },
      { ENVIRONMENT: "staging" },
      { SENTRY_DSN: "https://public@sentry.example.com/path/to/7", NEON_LOCAL_PROXY: "[::1]:4444", ENVIRONMENT: "development" },
      { DATABASE_URL: "postgresql://u:p@ep-cool-1.eu-central-1.aws.neon.tech/neondb?sslmode=require", ENVIRONMENT: "bench" },
      { INGEST_RATE_LIMIT: undefined, AUTH_FAILURE_RATE_LIMIT: undefined, ADMIN_TOKEN: undefined, DEMO_SITE_KEY: "demo-site-key" },
    ]) {
      const parsed = bindingsSchema.safeParse({ ...testEnv, ...vars });
      expect(parsed.error?.issues ?? [], JSON.stringify(vars)).toEqual([]);
    }
  });
});

describe("the queue consumer and the cron with bad bindings", () => {
  it("the queue consumer throws, naming the variable", async () => {
    captureErrors();
    await expect(deliverRecompute(withVars({ DATABASE_URL: undefined }), [])).rejects.toThrow(
      /^The worker is misconfigured: DATABASE_URL is not set/,
    );
    await expect(deliverRecompute(withVars({ ENVIRONMENT: "qa team" }), [])).rejects.toThrow(/ENVIRONMENT must be one word/);
  });

  it("the cron throws, naming the variable", async () => {
    captureErrors();
    const ctx = createExecutionContext();
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" });
    await expect(worker.scheduled(controller, withVars({ NEON_LOCAL_PROXY: "not a proxy" }), ctx)).rejects.toThrow(
      /^The worker is misconfigured: NEON_LOCAL_PROXY must be host:port/,
    );
    await waitOnExecutionContext(ctx);
  });
});
