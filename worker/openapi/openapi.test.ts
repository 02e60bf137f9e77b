// The API description against the app itself: every route is in it, with the parameters its
// validators read (required exactly when they require them), the security its auth middleware
// asks for, and answers of the schemas it documents.
import { Hono, type MiddlewareHandler } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { version } from "../../package.json";
import { errorEnvelopeSchema } from "../../contract/api";
import { ADMIN, api, event, newSite, newUser } from "../../test/helpers";
import { operationsOf, schemaKeys, type RouteOperation } from "../../test/route-inventory";
import { app } from "../app";
import type { AppEnv } from "../env";
import { requireAdmin, requireOwner, requireSession, requireSiteKey } from "../http/auth";
import { handleError } from "../http/errors";
import { requireSiteAccess } from "../http/site-access";
import { validationOf, type Validation } from "../http/validate";
import { describedBy, type Access } from "./describe";
import { API_TITLE } from "./document";

type Param = { name: string; in: string; required?: boolean; schema?: { examples?: unknown[] }; example?: unknown };
type Ref = { $ref: string };
type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: (Param | Ref)[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { parameters?: Record<string, Param>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
};

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  admin: [{ adminToken: [] }],
  owner: [{ sessionToken: [] }, { adminToken: [] }],
  session: [{ sessionToken: [] }],
  site_key: [{ siteKey: [] }],
  site_read: [{ sessionToken: [] }, { readKey: [] }, { adminToken: [] }],
};

const routes = operationsOf(app);
let doc: Doc;

beforeAll(async () => {
  const res = await api("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = (await res.json()) as Doc;
});

const operationOf = (r: RouteOperation) => doc.paths[r.openApiPath]?.[r.method.toLowerCase()];

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), root);
}

const parametersOf = (op: Operation): Param[] =>
  (op.parameters ?? []).map((p) => ("$ref" in p ? (resolvePointer(doc, p.$ref) as Param) : p));

const exampleOf = (p: Param) => p.example ?? p.schema?.examples?.[0];

/** Who the route's own middleware lets in. */
function accessOf(r: RouteOperation): Access {
  if (r.handlers.includes(requireSiteAccess)) return "site_read";
  if (r.handlers.includes(requireAdmin)) return "admin";
  if (r.handlers.includes(requireOwner)) return "owner";
  if (r.handlers.includes(requireSession)) return "session";
  if (r.handlers.includes(requireSiteKey)) return "site_key";
  return "public";
}

const validationsOf = (r: RouteOperation, target: Validation["target"]) =>
  r.handlers.map(validationOf).filter((v): v is Validation => v?.target === target);

/** What the document shows wrong about OpenAPI 3.1's shape, and each $ref that leads nowhere. */
function shapeProblems(d: Doc): string[] {
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(d.openapi)) problems.push(`openapi is ${d.openapi}, not 3.1.x`);
  if (typeof d.info?.title !== "string" || typeof d.info?.version !== "string") problems.push("info needs title and version");
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(d.paths)) {
    if (!path.startsWith("/")) problems.push(`path ${path} does not start with /`);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!HTTP_METHODS.includes(method)) {
        problems.push(`${where}: not an HTTP method`);
        continue;
      }
      if (!op.operationId || ids.has(op.operationId)) problems.push(`${where}: missing or repeated operationId ${op.operationId}`);
      ids.add(op.operationId ?? "");
      const responses = Object.entries(op.responses ?? {});
      if (!responses.some(([status]) => /^2\d\d$/.test(status))) problems.push(`${where}: no success response`);
      for (const [status, r] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
        if (typeof r.description !== "string") problems.push(`${where}: response ${status} has no description`);
      }
      const params = parametersOf(op);
      for (const p of params) {
        if (!p || typeof p.name !== "string" || !["query", "path", "header", "cookie"].includes(p.in)) problems.push(`${where}: bad parameter ${JSON.stringify(p)}`);
        else if (p.in === "path" && p.required !== true) problems.push(`${where}: path parameter ${p.name} not required`);
        else if (!p.schema) problems.push(`${where}: parameter ${p.name} has no schema`);
      }
      const inPath = params.filter((p) => p?.in === "path").map((p) => p.name).sort();
      if (JSON.stringify(inPath) !== JSON.stringify(templated)) problems.push(`${where}: path parameters ${inPath} for template ${templated}`);
      for (const req of op.security ?? []) {
        for (const name of Object.keys(req)) if (!d.components.securitySchemes?.[name]) problems.push(`${where}: unknown security scheme ${name}`);
      }
    }
  }
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
    else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && (typeof v !== "string" || resolvePointer(d, v) === undefined)) problems.push(`${at}: $ref ${v} does not resolve`);
        else walk(v, `${at}/${k}`);
      }
    }
  };
  walk(d, "#");
  return problems;
}

describe("GET /api/openapi.json", () => {
  it("is OpenAPI 3.1 in shape, and every $ref in it resolves", () => {
    expect(shapeProblems(doc)).toEqual([]);
    expect(doc.components.securitySchemes).toMatchObject({
      siteKey: { type: "http", scheme: "bearer" },
      adminToken: { type: "http", scheme: "bearer" },
      sessionToken: { type: "http", scheme: "bearer" },
      readKey: { type: "http", scheme: "bearer" },
    });
  });

  it("names this API and its version, served from wherever it is deployed", () => {
    expect(doc.info).toMatchObject({ title: API_TITLE, version });
    expect(doc.servers).toEqual([{ url: "/" }]);
  });

  it("describes every route of the app, and no route the app does not have", () => {
    const routed = routes.map((r) => `${r.method.toLowerCase()} ${r.openApiPath}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(routed);
  });

  it("asks for the credentials each route's middleware checks", () => {
    for (const r of routes) {
      const where = `${r.method} ${r.path}`;
      const described = r.handlers.map(describedBy).filter((d) => d !== undefined);
      expect(described, `${where} has one operation() description`).toHaveLength(1);
      expect(described[0]!.access, where).toBe(accessOf(r));
      expect(operationOf(r)?.security, where).toEqual(SECURITY[accessOf(r)]);
    }
  });

  it("has, for each operation, the query and path parameters its validators read, required exactly when they require them", () => {
    for (const r of routes) {
      const where = `${r.method} ${r.path}`;
      const params = parametersOf(operationOf(r)!);
      for (const target of ["query", "param"] as const) {
        const schemas = validationsOf(r, target).map((v) => v.schema);
        const keys = new Set(schemas.flatMap(schemaKeys));
        // requireSiteAccess reads ?site= itself (required with the admin token only).
        if (target === "query" && accessOf(r) === "site_read") keys.add("site");
        const documented = params.filter((p) => p.in === (target === "param" ? "path" : "query"));
        expect(documented.map((p) => p.name).sort(), `${where} ${target} parameters`).toEqual([...keys].sort());

        const example = Object.fromEntries(documented.filter((p) => p.required).map((p) => [p.name, exampleOf(p)]));
        for (const [name, value] of Object.entries(example)) expect(value, `${where}: an example of required ${name}`).toBeDefined();
        for (const schema of schemas) {
          expect(schema.safeParse(example).error?.issues, `${where}: the documented examples pass`).toBeUndefined();
        }
        for (const p of documented) {
          const without = Object.fromEntries(Object.entries(example).filter(([k]) => k !== p.name));
          const required = schemas.some((s) => (s.safeParse(without).error?.issues ?? []).some((i) => i.path[0] === p.name));
          expect(p.required ?? false, `${where}: ${p.name} required`).toBe(required);
        }
      }
    }
  });

  it("documents the body of each route that validates one, and a 400 for each route that validates anything", () => {
    for (const r of routes) {
      const where = `${r.method} ${r.path}`;
      const op = operationOf(r)!;
      const body = validationsOf(r, "json");
      if (body.length) {
        expect(op.requestBody?.required, where).toBe(true);
        expect(op.requestBody?.content?.["application/json"]?.schema, where).toMatchObject({ $ref: expect.stringMatching(/^#\/components\/schemas\//) });
      } else {
        expect(op.requestBody, where).toBeUndefined();
      }
      if (body.length || validationsOf(r, "query").length) expect(op.responses?.["400"]?.description, where).toContain("validation_failed");
    }
  });

  it("answers every error with the envelope, and every success with a named schema", () => {
    for (const r of routes) {
      const where = `${r.method} ${r.path}`;
      const op = operationOf(r)!;
      const { success } = r.handlers.map(describedBy).find((d) => d !== undefined)!;
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        const [media] = Object.values(res.content ?? {});
        if (Number(status) >= 400) expect(media?.schema, `${where} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
        else expect(success, `${where} ${status}`).toContain(Number(status));
      }
      for (const status of success) {
        const content = op.responses?.[String(status)]?.content ?? {};
        if (content["application/json"]) expect(content["application/json"].schema, `${where} ${status}`).toHaveProperty("$ref");
        else expect(Object.keys(content), where).toEqual(["text/html"]);
      }
    }
  });
});

/** The route's query and path validators alone, ahead of a handler that answers 204. */
function validatorsOf(r: RouteOperation) {
  const validators = r.handlers.filter((h) => ["query", "param"].includes(validationOf(h)?.target ?? "")) as MiddlewareHandler<AppEnv>[];
  const harness = new Hono<AppEnv>();
  const answer: MiddlewareHandler<AppEnv> = async (c) => c.body(null, 204);
  harness.on(r.method, [r.path], ...[...validators, answer]);
  harness.onError(handleError);
  return harness;
}

function urlOf(r: RouteOperation, values: Record<string, unknown>): string {
  let path = r.openApiPath;
  const query = new URLSearchParams();
  for (const p of parametersOf(operationOf(r)!)) {
    if (!(p.name in values)) continue;
    if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(String(values[p.name])));
    else query.set(p.name, String(values[p.name]));
  }
  const qs = query.toString();
  return `${path.replace(/^\/api/, "")}${qs ? `?${qs}` : ""}`;
}

const requiredExamples = (r: RouteOperation) =>
  Object.fromEntries(parametersOf(operationOf(r)!).filter((p) => p.required).map((p) => [p.name, exampleOf(p)]));

async function expectValidationFailure(res: Response, name: string, where: string) {
  expect(res.status, where).toBe(400);
  const body = errorEnvelopeSchema.parse(await res.json());
  expect(body.error.code, where).toBe("validation_failed");
  expect(body.error.details.map((d) => d.path), where).toContain(name);
}

describe("a request built from the document", () => {
  for (const r of routes) {
    it(`${r.method} ${r.path}: passes its validators with the required examples, and is 400 validation_failed without one`, async () => {
      const harness = validatorsOf(r);
      const example = requiredExamples(r);
      const ok = await harness.request(`http://wpd.test/api${urlOf(r, example)}`, { method: r.method });
      expect(ok.status, await ok.clone().text()).toBe(204);
      for (const p of parametersOf(operationOf(r)!).filter((p) => p.required && p.in === "query")) {
        const without = Object.fromEntries(Object.entries(example).filter(([k]) => k !== p.name));
        await expectValidationFailure(await harness.request(`http://wpd.test/api${urlOf(r, without)}`, { method: r.method }), p.name, `${r.method} ${r.path} without ${p.name}`);
      }
    });
  }
});

describe("the whole app, asked as the document says", () => {
  let site: Awaited<ReturnType<typeof newSite>>;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let viewer: Awaited<ReturnType<typeof newUser>>;
  /** Path parameters the examples cannot stand for: this test's site, a live invite link. */
  let real: Record<string, string>;
  beforeAll(async () => {
    site = await newSite();
    // W1 and S1 (the path examples) exist on the example day.
    const events = [event(), event({ timestamp: "2026-03-02T08:30:00Z", event_type: "product_count", count: 3 }), event({ timestamp: "2026-03-02T09:00:00Z", event_type: "idle" })];
    const posted = await api("/events/bulk", { method: "POST", headers: site.auth, json: events });
    expect(posted.status).toBe(200);
    owner = await newUser({ owner: true });
    viewer = await newUser({ sites: [{ siteId: site.siteId, role: "viewer" }] });
    // A user invited and not yet signed up: their link stays usable while it is only looked at.
    const invited = await api("/users", { method: "POST", headers: ADMIN, json: { email: `invited-${site.siteId}@example.test`, name: "Invited", owner: false } });
    expect(invited.status).toBe(201);
    real = { siteId: site.siteId, token: ((await invited.json()) as { link: { token: string } }).link.token };
  }, 60_000);

  const auth = (r: RouteOperation): Record<string, string> =>
    ({ site_read: site.read, site_key: site.auth, admin: ADMIN, owner: owner.auth, session: viewer.auth, public: {} })[accessOf(r)];
  const realParams = (r: RouteOperation) => Object.fromEntries(Object.entries(real).filter(([name]) => r.path.includes(`:${name}`)));

  // Reads only: writes are checked above, against their validators alone.
  for (const r of routes.filter((r) => r.method === "GET")) {
    it(`GET ${r.path}: answers the documented schema, and 400 validation_failed without a required parameter`, async () => {
      const op = operationOf(r)!;
      // Every example the document gives (populate=true included); the site id and the link are the test's own.
      const values = {
        ...Object.fromEntries(parametersOf(op).map((p) => [p.name, exampleOf(p)]).filter(([, v]) => v !== undefined)),
        ...realParams(r),
      };
      const res = await api(urlOf(r, values), { headers: auth(r) });
      const { ok, success } = r.handlers.map(describedBy).find((d) => d !== undefined)!;
      expect(success, `${res.status} ${await res.clone().text()}`).toContain(res.status);
      if (res.headers.get("content-type")?.startsWith("text/html")) expect(ok.safeParse(await res.text()).success).toBe(true);
      else expect(ok.safeParse(await res.json()).error?.issues).toBeUndefined();

      const example = requiredExamples(r);
      const bare = await api(urlOf(r, { ...example, ...realParams(r) }), { headers: auth(r) });
      expect(bare.status, await bare.clone().text()).not.toBe(400);
      for (const p of parametersOf(op).filter((p) => p.required && p.in === "query")) {
        const without = Object.fromEntries(Object.entries(example).filter(([k]) => k !== p.name));
        await expectValidationFailure(await api(urlOf(r, without), { headers: auth(r) }), p.name, `GET ${r.path} without ${p.name}`);
      }
    });
  }
});
