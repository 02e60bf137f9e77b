/// <reference types="vite/client" />
// wrangler.toml is static, so the values the code (and the README) share with it cannot come from
// one source: this checks that they agree.
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { wranglerTables } from "../../test/wrangler-toml";
import { AUTH_FAILURE_PERIOD_SECONDS } from "../http/bad-key-throttle";
import { INGEST_RATE_PERIOD_SECONDS } from "../http/rate-limit";
import { bindingsSchema } from "./bindings";

const rateLimit = (name: string) => {
  const found = wranglerTables("ratelimits").filter((t) => t.name === name);
  expect(found, `[[ratelimits]] ${name}`).toHaveLength(1);
  return found[0].simple as { limit: number; period: number };
};

/** The README's Configuration table row of a binding. */
const readmeRow = (name: string) => readme.split("\n").find((line) => line.startsWith(`| \`${name}\` |`)) ?? "";
const figure = (s: string) => Number(s.replace(/,/g, ""));

describe("wrangler.toml and the code", () => {
  it("the ingest rate limit's period is the Retry-After the worker sends, as the README states it", () => {
    const { limit, period } = rateLimit("INGEST_RATE_LIMIT");
    expect(period).toBe(INGEST_RATE_PERIOD_SECONDS);
    const [, readmeLimit, readmePeriod] = /([\d,]+) requests per (\d+) s/.exec(readmeRow("INGEST_RATE_LIMIT")) ?? [];
    expect([figure(readmeLimit), figure(readmePeriod)]).toEqual([limit, period]);
  });

  it("the bad-key limit's period is how long the throttle blocks an address, as the README states it", () => {
    const { limit, period } = rateLimit("AUTH_FAILURE_RATE_LIMIT");
    expect(period).toBe(AUTH_FAILURE_PERIOD_SECONDS);
    const [, readmeLimit, readmePeriod] = /(\d+) per (\d+) s/.exec(readmeRow("AUTH_FAILURE_RATE_LIMIT")) ?? [];
    expect([figure(readmeLimit), figure(readmePeriod)]).toEqual([limit, period]);
  });

  it("every binding it declares is one the worker checks, and its vars pass that check", () => {
    const declared = [
      ...wranglerTables("ratelimits").map((t) => t.name),
      ...wranglerTables("queues.producers").map((t) => t.binding),
      ...wranglerTables("vars").flatMap(Object.keys),
    ];
    expect(declared.length).toBeGreaterThan(0);
    for (const name of declared) expect(Object.keys(bindingsSchema.shape), String(name)).toContain(name);
    const shape: Record<string, { safeParse: (v: unknown) => { success: boolean } }> = bindingsSchema.shape;
    for (const [name, value] of Object.entries(wranglerTables("vars")[0] ?? {})) {
      expect(shape[name]?.safeParse(value).success, `[vars] ${name}`).toBe(true);
    }
  });
});
