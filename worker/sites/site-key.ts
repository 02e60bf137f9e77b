/** A fresh random ingest key; only its SHA-256 is stored. */
export function newSiteKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return "wpd_" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
