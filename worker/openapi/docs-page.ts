// The API reference as one HTML page, rendered from the OpenAPI document: no script at all and
// nothing loaded from elsewhere (the page must work offline and under a strict CSP). Every text
// taken from the document is escaped.
import type { OpenApiDocument } from "./document";

type SchemaObject = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  items?: SchemaObject;
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  allOf?: SchemaObject[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: SchemaObject | boolean;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: SchemaObject };
type Media = Record<string, { schema?: SchemaObject }>;
type Operation = {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Media } | { $ref: string };
  responses?: Record<string, { description?: string; content?: Media } | { $ref: string }>;
  security?: Record<string, string[]>[];
};
type DocsInput = {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  /** Path items hold more than operations (summary, parameters): only the methods are read. */
  paths: Record<string, object | undefined>;
  components?: {
    schemas?: Record<string, SchemaObject>;
    parameters?: Record<string, Parameter>;
    securitySchemes?: Record<string, { description?: string }>;
  };
};

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];

export const DOCS_STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1rem 1.5rem 4rem; color: #1d2330; }
h1 small { font-weight: normal; color: #667; font-size: 0.6em; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #d8dce4; }
h3 { margin: 1.5rem 0 0.25rem; font-size: 1.05rem; }
code { font: 0.92em ui-monospace, monospace; background: #f1f3f7; padding: 0 0.2em; border-radius: 3px; }
table { border-collapse: collapse; margin: 0.4rem 0 0.8rem; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.2rem 0.6rem 0.2rem 0; border-bottom: 1px solid #eceef3; }
th { font-weight: 600; font-size: 0.85rem; color: #556; }
.method { display: inline-block; min-width: 4.2em; font: bold 0.8rem ui-monospace, monospace; text-transform: uppercase; }
.get { color: #1f6f3f; } .post { color: #8a4b00; } .patch, .put { color: #5b3c99; } .delete { color: #a11f2a; }
.op { border-left: 3px solid #d8dce4; padding-left: 0.8rem; margin-bottom: 1.5rem; }
.muted { color: #667; }
nav ul { columns: 2; padding-left: 1.2rem; }
`;

export const escapeHtml = (text: unknown): string =>
  String(text).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** Escaped text in which `backticked` spans become code. */
const prose = (text: string | undefined) => (text ? escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "");

const refName = (ref: string) => decodeURIComponent(ref.split("/").pop() ?? ref).replace(/~1/g, "/").replace(/~0/g, "~");
const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
const schemaLink = (name: string) => `<a href="#${anchor("schema", name)}">${escapeHtml(name)}</a>`;

/** A schema in a few words, as HTML: its component name (linked) when it has one. */
export function typeHtml(schema: SchemaObject | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return "any";
  if (schema.$ref) return schemaLink(refName(schema.$ref));
  if (schema.anyOf) return schema.anyOf.map(typeHtml).join(" | ");
  if (schema.oneOf) return schema.oneOf.map(typeHtml).join(" | ");
  if (schema.allOf) return schema.allOf.map(typeHtml).join(" &amp; ");
  if (schema.const !== undefined) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (schema.enum) return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return "any";
  return types
    .map((t) => {
      if (t === "array") return `${typeHtml(schema.items)}[]`;
      if (t === "object" && typeof schema.additionalProperties === "object" && !schema.properties) {
        return `map of ${typeHtml(schema.additionalProperties)}`;
      }
      return schema.format && t !== "null" ? `${escapeHtml(t)} (${escapeHtml(schema.format)})` : escapeHtml(t);
    })
    .join(" | ");
}

function resolveParameter(doc: DocsInput, p: Parameter | { $ref: string }): Parameter | undefined {
  return "$ref" in p ? doc.components?.parameters?.[refName(p.$ref)] : p;
}

function authHtml(security: Operation["security"]): string {
  if (!security || security.length === 0) return "none";
  return security
    .map((req) => Object.keys(req).map((name) => `<a href="#auth">${escapeHtml(name)}</a>`).join(" and ") || "none")
    .join(" or ");
}

function contentHtml(content: Media | undefined): string {
  if (!content) return "";
  return Object.entries(content)
    .map(([media, m]) => `${typeHtml(m.schema)} <span class="muted">(${escapeHtml(media)})</span>`)
    .join("<br>");
}

function parametersHtml(doc: DocsInput, op: Operation): string {
  const params = (op.parameters ?? []).map((p) => resolveParameter(doc, p)).filter((p): p is Parameter => p !== undefined);
  if (params.length === 0) return "";
  const rows = params.map((p) => {
    const def = p.schema?.default !== undefined ? ` <span class="muted">default ${escapeHtml(JSON.stringify(p.schema.default))}</span>` : "";
    return `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? "required" : "optional"}</td><td>${typeHtml(p.schema)}${def}</td><td>${prose(p.description ?? p.schema?.description)}</td></tr>`;
  });
  return `<table><tr><th>Parameter</th><th>In</th><th></th><th>Type</th><th>Description</th></tr>${rows.join("")}</table>`;
}

function operationHtml(doc: DocsInput, method: string, path: string, op: Operation): string {
  const id = anchor("op", op.operationId ?? `${method}${path}`);
  const body = op.requestBody && !("$ref" in op.requestBody) ? op.requestBody : undefined;
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const res = "$ref" in r ? { description: refName(r.$ref) } : r;
    return `<tr><td>${escapeHtml(status)}</td><td>${contentHtml("content" in res ? res.content : undefined)}</td><td>${prose(res.description)}</td></tr>`;
  });
  return `<div class="op" id="${escapeHtml(id)}">
<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method)}</span> <code>${escapeHtml(path)}</code></h3>
<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ""}
<p class="muted">Auth: ${authHtml(op.security)}</p>
${parametersHtml(doc, op)}
${body ? `<p>Request body${body.required ? "" : " (optional)"}: ${contentHtml(body.content)}</p>` : ""}
<table><tr><th>Status</th><th>Body</th><th>When</th></tr>${responses.join("")}</table>
</div>`;
}

function schemasHtml(schemas: Record<string, SchemaObject>): string {
  return Object.entries(schemas)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, schema]) => {
      const required = new Set(schema.required ?? []);
      const props = Object.entries(schema.properties ?? {});
      const table = props.length
        ? `<table><tr><th>Field</th><th>Type</th><th></th><th>Description</th></tr>${props
            .map(([field, s]) => `<tr><td><code>${escapeHtml(field)}</code></td><td>${typeHtml(s)}</td><td>${required.has(field) ? "" : "optional"}</td><td>${prose(s.description)}</td></tr>`)
            .join("")}</table>`
        : `<p>${typeHtml({ ...schema, description: undefined })}</p>`;
      return `<h3 id="${escapeHtml(anchor("schema", name))}">${escapeHtml(name)}</h3>${schema.description ? `<p>${prose(schema.description)}</p>` : ""}${table}`;
    })
    .join("\n");
}

/** The reference page of an OpenAPI document: operations grouped by tag, then the schemas. */
export function renderDocsPage(document: OpenApiDocument): string {
  // Read as the plain JSON it is: only the parts above, each of which may be a $ref.
  const doc = document as unknown as DocsInput;
  const byTag = new Map<string, string[]>((doc.tags ?? []).map((t) => [t.name, []]));
  const index: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined> | undefined)?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(operationHtml(doc, method, path, op));
    }
  }
  const tagText = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const sections = [...byTag].filter(([, ops]) => ops.length > 0).map(([tag, ops]) => {
    index.push(`<li><a href="#${escapeHtml(anchor("tag", tag))}">${escapeHtml(tag)}</a></li>`);
    return `<section><h2 id="${escapeHtml(anchor("tag", tag))}">${escapeHtml(tag)}</h2>${tagText.get(tag) ? `<p>${prose(tagText.get(tag))}</p>` : ""}\n${ops.join("\n")}</section>`;
  });
  const schemes = Object.entries(doc.components?.securitySchemes ?? {})
    .map(([name, s]) => `<li><code>${escapeHtml(name)}</code>: ${prose(s.description)}</li>`)
    .join("");
  const title = `${doc.info.title} ${doc.info.version}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${DOCS_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1), from which clients can be generated.</p>
</header>
<nav><ul>${index.join("")}<li><a href="#auth">Authentication</a></li><li><a href="#schemas">Schemas</a></li></ul></nav>
<main>
${sections.join("\n")}
<section><h2 id="auth">Authentication</h2><p>Send <code>Authorization: Bearer &lt;key or token&gt;</code>.</p><ul>${schemes}</ul></section>
<section><h2 id="schemas">Schemas</h2>
${schemasHtml(doc.components?.schemas ?? {})}
</section>
</main>
</body>
</html>
`;
}
