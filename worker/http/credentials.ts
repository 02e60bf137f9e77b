import type { Context } from "hono";
import { READ_KEY_PREFIX, SESSION_TOKEN_PREFIX } from "../../contract/auth";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/sha256";

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * What a bearer credential is, from its form alone (no database): a session token and a read key
 * carry a prefix; the admin token is compared by digest; anything else can only be a site's ingest
 * key. The hash is what the database stores and what the bad-key throttle counts.
 */
export type Credential = { kind: "session" | "read_key" | "admin" | "ingest_key"; hash: string };

export async function credentialOf(c: Context<AppEnv>): Promise<Credential | undefined> {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) return undefined;
  const hash = await sha256Hex(token);
  if (token.startsWith(SESSION_TOKEN_PREFIX)) return { kind: "session", hash };
  if (token.startsWith(READ_KEY_PREFIX)) return { kind: "read_key", hash };
  // Compared by digest so the comparison time does not depend on where the strings differ.
  if (c.env.ADMIN_TOKEN && hash === (await sha256Hex(c.env.ADMIN_TOKEN))) return { kind: "admin", hash };
  return { kind: "ingest_key", hash };
}

/** A new random credential with its prefix: 32 random bytes, base64url. */
export function newToken(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return prefix + btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
