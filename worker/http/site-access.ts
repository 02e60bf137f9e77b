import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { readKeyAccess, sessionAccess } from "../../db/auth/access";
import { recordAudit } from "../../db/audit";
import { getSite, siteForKey } from "../../db/sites";
import type { AppEnv } from "../env";
import { ADMIN_TOKEN_ACTOR } from "./auth";
import { clientIp, keyAccepted, keyRefused, screenKey } from "./bad-key-throttle";
import { credentialOf } from "./credentials";
import { ApiError } from "./errors";

const invalidCredential = () =>
  new ApiError(401, "unauthorized", "The credential is not valid (unknown, revoked, or a session that has ended).");
const siteRequired = () =>
  new ApiError(400, "site_required", "Name the site with ?site=ID.", [{ path: "site", message: "required with a user session or the admin token" }]);
// A user asking for a site they may not open learns nothing about whether it exists.
const siteNotFound = (siteId: string) => new ApiError(404, "site_not_found", `No site ${siteId}.`);

/**
 * Read access to one site's data. Who may read (README, "Access"):
 * - a user's session token: a site granted to them (every site for an owner), named with `?site=`;
 * - a site's read key: that site (implied; `?site=` may only repeat it);
 * - the admin token, with `?site=`.
 * A site's ingest key may only ingest: a read with one is 403. Sets `site` and `reader` (who, and
 * whether per-worker data may be shown). Session tokens and keys are screened by the bad-key
 * throttle before the database.
 */
export const requireSiteAccess = createMiddleware<AppEnv>(async (c, next) => {
  const cred = await credentialOf(c);
  if (!cred) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <session token, read key or admin token>.");
  const requested = c.req.query("site");
  if ((cred.kind === "session" || cred.kind === "admin") && !requested) throw siteRequired();
  if (cred.kind !== "admin") await screenKey(c, cred.hash, invalidCredential);
  const { db } = await c.get("db")();
  const refused = async () => (await keyRefused(c, cred.hash)) ?? invalidCredential();

  let site: { siteId: string; timeZone: string; maxStateSeconds: number };
  if (cred.kind === "admin") {
    const row = await getSite(db, requested!);
    if (!row) throw siteNotFound(requested!);
    site = row;
    c.set("reader", { kind: "admin", actor: ADMIN_TOKEN_ACTOR, workerDetail: true });
  } else if (cred.kind === "session") {
    const access = await sessionAccess(db, cred.hash, requested);
    if (!access) throw await refused();
    keyAccepted(cred.hash);
    if (!access.site) throw siteNotFound(requested!);
    site = access.site;
    c.set("reader", { kind: "session", actor: `user:${access.email}`, workerDetail: access.workerDetail });
  } else if (cred.kind === "read_key") {
    const access = await readKeyAccess(db, cred.hash);
    if (!access) throw await refused();
    keyAccepted(cred.hash);
    if (requested && requested !== access.site.siteId) {
      throw new ApiError(403, "forbidden", `This key belongs to site ${access.site.siteId}.`);
    }
    site = access.site;
    c.set("reader", { kind: "read_key", actor: `read-key:${access.keyId}`, workerDetail: access.workerDetail });
  } else {
    const ingest = await siteForKey(db, cred.hash);
    if (!ingest) throw await refused();
    keyAccepted(cred.hash);
    throw new ApiError(403, "ingest_key_cannot_read", "This is a site's ingest key: it can only send events. Read with a read key or a user's session.");
  }
  c.set("site", { siteId: site.siteId, timeZone: site.timeZone, maxStateSeconds: site.maxStateSeconds });
  c.set("siteId", site.siteId);
  await next();
  auditExport(c);
});

/** Per-worker data (a worker's metrics and timeline, the list of workers): after requireSiteAccess. */
export const requireWorkerDetail = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get("reader").workerDetail) {
    throw new ApiError(403, "worker_detail_forbidden", "This credential may read factory and workstation figures, not per-worker data.");
  }
  await next();
});

// The dashboard's CSV export names its file in X-Export on the read it makes: the export is then
// on record with who made it, for which site, and from where.
function auditExport(c: Context<AppEnv>) {
  const file = c.req.header("x-export");
  if (!file || c.res.status !== 200) return;
  const reader = c.get("reader");
  c.get("defer")(
    "export audit",
    c.get("db")().then(({ db }) =>
      recordAudit(db, { actor: reader.actor, requestId: c.get("requestId"), ip: clientIp(c) }, "export", c.get("siteId") ?? null, {
        file: file.slice(0, 200),
        path: c.req.path,
      }),
    ),
  );
}
