import { env, exports } from "cloudflare:workers";
import { connect } from "../db/client";
import type { Bindings } from "../worker/env";
import type { EventInput } from "../contract/events";
import type { RecomputeMessage } from "../worker/recompute/message";

export const ADMIN = { authorization: "Bearer test-admin-token" };

export const testEnv = env as unknown as Bindings;

/** Calls the worker under test exactly as a client would. */
export function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default.fetch(
    new Request(`http://wpd.test/api${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body }),
  );
}

let siteCounter = 0;

/** A fresh site per test keeps tests independent on the shared database. */
export async function newSite(opts: { timeZone?: string; maxStateSeconds?: number } = {}) {
  const siteId = `t${Date.now().toString(36)}${(siteCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const res = await api("/sites", {
    method: "POST",
    headers: ADMIN,
    json: {
      site_id: siteId,
      name: `Test ${siteId}`,
      time_zone: opts.timeZone ?? "UTC",
      max_state_seconds: opts.maxStateSeconds ?? 600,
      // The fixtures are dated 2026; a site's default history starts a year before its creation.
      history_start: "2020-01-01T00:00:00Z",
    },
  });
  if (res.status !== 201) throw new Error(`site creation failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { site_key: string };
  // Ingest keys only ingest; tests read with a read key that may see per-worker data.
  const readKey = await api(`/sites/${siteId}/read-keys`, { method: "POST", headers: ADMIN, json: { name: "tests", worker_detail: true } });
  if (readKey.status !== 201) throw new Error(`read key creation failed: ${readKey.status} ${await readKey.text()}`);
  const { key: read } = (await readKey.json()) as { key: string };
  return {
    siteId,
    key: body.site_key,
    /** The ingest key's header: POST /api/events. */
    auth: { authorization: `Bearer ${body.site_key}` },
    /** A read key's header (with per-worker data): the read endpoints. */
    read: { authorization: `Bearer ${read}` },
  };
}

/** Direct SQL for assertions about what was (not) stored. */
export async function query<T = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
  bindings: Bindings = testEnv,
): Promise<T[]> {
  const conn = await connect({ databaseUrl: bindings.DATABASE_URL, localProxy: bindings.NEON_LOCAL_PROXY });
  try {
    return (await conn.client.query(text, params)).rows as T[];
  } finally {
    await conn.close();
  }
}

export function event(overrides: Partial<EventInput> = {}): EventInput {
  return {
    timestamp: "2026-03-02T08:00:00Z",
    worker_id: "W1",
    workstation_id: "S1",
    event_type: "working",
    confidence: 0.93,
    model_version: "v1.4.2",
    ...overrides,
  };
}

/**
 * Bindings pointing at a database of its own, for passes that sweep every site (the cron) and so
 * must not race with other test files' rows.
 */
export function isolatedEnv(): Bindings {
  return { ...testEnv, DATABASE_URL: (env as unknown as { TEST_ISOLATED_DATABASE_URL: string }).TEST_ISOLATED_DATABASE_URL };
}

/** Runs a request against the worker with the given bindings, waiting for its background work. */
export async function fetchWith(bindings: Bindings, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
  const worker = (await import("../worker/index")).default;
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://wpd.test/api${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** A Queue binding that records the recompute messages it is sent. */
export function recordingQueue() {
  const sent: RecomputeMessage[] = [];
  const queue = {
    send: async (body: RecomputeMessage) => void sent.push(body),
    sendBatch: async (msgs: Iterable<MessageSendRequest<RecomputeMessage>>) => {
      for (const m of msgs) sent.push(m.body);
    },
  } as unknown as Queue<RecomputeMessage>;
  return { queue, sent };
}

/**
 * Hands recompute messages to the worker's queue consumer as the Queue would (`attempts` is the
 * delivery count) and returns what the consumer acked and retried.
 */
export async function deliverRecompute(bindings: Bindings, bodies: unknown[], attempts = 1) {
  const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
  const worker = (await import("../worker/index")).default;
  const batch = createMessageBatch("productivity-recompute", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

let userCounter = 0;

/**
 * A user made the way an owner makes one (an invite link, redeemed with a password), with the
 * given site roles, signed in: `auth` carries their session token.
 */
export async function newUser(
  opts: { owner?: boolean; sites?: { siteId: string; role: "manager" | "viewer"; workerDetail?: boolean }[]; password?: string } = {},
) {
  const email = `u${Date.now().toString(36)}${(userCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}@example.test`;
  const password = opts.password ?? "correct horse battery staple";
  const created = await api("/users", { method: "POST", headers: ADMIN, json: { email, name: `User ${email}`, owner: opts.owner ?? false } });
  if (created.status !== 201) throw new Error(`user creation failed: ${created.status} ${await created.text()}`);
  const { user, link } = (await created.json()) as { user: { id: string }; link: { token: string } };
  for (const s of opts.sites ?? []) {
    const granted = await api(`/users/${user.id}/sites/${s.siteId}`, {
      method: "PUT",
      headers: ADMIN,
      json: { role: s.role, worker_detail: s.workerDetail ?? false },
    });
    if (granted.status !== 200) throw new Error(`grant failed: ${granted.status} ${await granted.text()}`);
  }
  const redeemed = await api(`/auth/links/${link.token}`, { method: "POST", json: { password } });
  if (redeemed.status !== 200) throw new Error(`link redemption failed: ${redeemed.status} ${await redeemed.text()}`);
  const token = await login(email, password);
  return { id: user.id, email, password, token, auth: { authorization: `Bearer ${token}` } };
}

/** Signs in; the session token. */
export async function login(email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await api("/auth/login", { method: "POST", headers, json: { email, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
