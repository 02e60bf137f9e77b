import { describe, expect, it } from "vitest";
import { api } from "../../test/helpers";
import type { OpenApiDocument } from "./document";
import { renderDocsPage } from "./docs-page";

describe("GET /api/docs", () => {
  it("is an HTML page listing every operation of the description, with no script and nothing loaded from elsewhere", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const res = await api("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    const html = await res.text();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        expect(html).toContain(`<span class="method ${method}">${method}</span> <code>${path}</code>`);
      }
    }
    expect(html).not.toMatch(/<script|<link|<iframe|\ssrc=|url\(|@import/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.filter((h) => !h.startsWith("#") && h !== "openapi.json")).toEqual([]);
  });

  it("escapes whatever the description holds", () => {
    const hostile = "<script>alert(1)</script>";
    const html = renderDocsPage({
      openapi: "3.1.0",
      info: { title: hostile, version: '1" onload="x', description: "see `<img src=x onerror=y>`" },
      tags: [{ name: hostile }],
      paths: {
        "/x/{id}": {
          get: {
            tags: [hostile],
            summary: hostile,
            parameters: [{ name: '"><b>', in: "query", description: "a & b", schema: { type: "string", default: "</td>" } }],
            responses: { "200": { description: hostile, content: { "application/json": { schema: { $ref: "#/components/schemas/<i>" } } } } },
          },
        },
      },
      components: { schemas: { "<i>": { type: "object", properties: { "<u>": { type: "string", description: hostile } } } } },
    } as unknown as OpenApiDocument);
    expect(html).not.toMatch(/<script|<img|<b>|<i>|<u>|<\/td>"/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("<code>&lt;img src=x onerror=y&gt;</code>");
    expect(html).toContain("a &amp; b");
    expect(html).toContain("1&quot; onload=&quot;x");
  });
});
