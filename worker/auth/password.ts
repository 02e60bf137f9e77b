// Password hashing with scrypt (@noble/hashes, audited, pure JS). Workers cap WebCrypto PBKDF2 at
// 100,000 iterations, below OWASP's 600,000, and cannot compile WebAssembly at run time, so
// neither PBKDF2 nor an Argon2 WASM build is an option there.
//
// Parameters: N=2^14, r=8, p=5 is one of OWASP's equivalent scrypt settings (16 MiB of memory, well
// inside a Worker's 128 MB); one hash costs about 0.3 s of CPU on this project's 2-core test
// machine. They are stored with each hash, so raising them later rehashes at the next login.
import { scrypt } from "@noble/hashes/scrypt.js";

export type ScryptParams = { N: number; r: number; p: number; dkLen: number };
export const SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 5, dkLen: 32 };

/**
 * For the worker's own test suite only (TEST_FAST_PASSWORD_HASHES, refused outside
 * ENVIRONMENT=test): the test pool's workerd runs this code about ten times slower than a
 * deployed Worker, and the suite signs in hundreds of times. Still scrypt, still verified the same
 * way; a hash made with it is replaced at the next login under the standard parameters.
 */
export const TEST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1, dkLen: 32 };

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

export function hashPassword(password: string, params: ScryptParams = SCRYPT): string {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = scrypt(password.normalize("NFKC"), salt, params);
  return `scrypt$${Math.log2(params.N)}$${params.r}$${params.p}$${b64(salt)}$${b64(hash)}`;
}

type Parsed = { N: number; r: number; p: number; salt: Uint8Array; hash: Uint8Array };

function parse(stored: string): Parsed | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const logN = Number(m[1]);
  // A stored hash is trusted data, but bounds keep a corrupted row from costing gigabytes.
  if (logN < 10 || logN > 20) return undefined;
  return { N: 2 ** logN, r: Number(m[2]), p: Number(m[3]), salt: unb64(m[4]), hash: unb64(m[5]) };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// Checked against when the email is unknown or has no password yet, so a wrong email costs as
// long as a wrong password and response times do not tell which accounts exist.
const dummies = new Map<number, string>();
const dummyFor = (params: ScryptParams) => {
  const key = params.N * 1000 + params.p;
  let d = dummies.get(key);
  if (!d) dummies.set(key, (d = hashPassword("not a password of anyone", params)));
  return d;
};

/** Whether the password matches; `stored` undefined runs a dummy check of the same cost. */
export function verifyPassword(password: string, stored: string | null | undefined, params: ScryptParams = SCRYPT): boolean {
  const parsed = parse(stored ?? dummyFor(params));
  if (!parsed) return false;
  const hash = scrypt(password.normalize("NFKC"), parsed.salt, { N: parsed.N, r: parsed.r, p: parsed.p, dkLen: parsed.hash.length });
  return stored != null && equal(hash, parsed.hash);
}

/** A stored hash made with weaker parameters than today's, to be replaced at the next login. */
export function needsRehash(stored: string, params: ScryptParams = SCRYPT): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.N < params.N || parsed.r !== params.r || parsed.p < params.p;
}

/** The parameters this deployment hashes with (worker/config/bindings.ts checks the variable). */
export const passwordParams = (env: { TEST_FAST_PASSWORD_HASHES?: string }): ScryptParams =>
  env.TEST_FAST_PASSWORD_HASHES === "true" ? TEST_SCRYPT : SCRYPT;
