import { createMiddleware } from "hono/factory";
import { getSite, siteForKey } from "../../db/sites";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/sha256";
import { bearerToken } from "./auth";
import { keyAccepted, keyRefused, screenKey } from "./bad-key-throttle";
import { ApiError } from "./errors";

const invalidSiteKey = () => new ApiError(401, "unauthorized", "The key is not valid (unknown or revoked).");

/**
 * Read access to one site's data: the admin token with `?site=ID`, or that site's own key (the
 * site is then implied). Sets `site` (id, time zone, gap cap) for the handler. A site key is
 * screened before the database (bad-key-throttle.ts): an address sending bad keys gets 429.
 */
export const requireSiteAccess = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <site key or admin token>.");
  const requested = c.req.query("site");
  const hash = await sha256Hex(token);
  const isAdmin = c.env.ADMIN_TOKEN !== undefined && hash === (await sha256Hex(c.env.ADMIN_TOKEN));
  if (isAdmin && !requested) throw new ApiError(400, "site_required", "Name the site with ?site=ID.", [{ path: "site", message: "required with the admin token" }]);
  if (!isAdmin) await screenKey(c, hash, invalidSiteKey);
  const { db } = await c.get("db")();
  const site = isAdmin ? await getSite(db, requested!) : await siteForKey(db, hash);
  if (!site) {
    if (isAdmin) throw new ApiError(404, "site_not_found", `No site ${requested}.`);
    throw (await keyRefused(c, hash)) ?? invalidSiteKey();
  }
  if (!isAdmin) keyAccepted(hash);
  if (!isAdmin && requested && requested !== site.siteId) {
    throw new ApiError(403, "forbidden", `This key belongs to site ${site.siteId}.`);
  }
  c.set("site", { siteId: site.siteId, timeZone: site.timeZone, maxStateSeconds: site.maxStateSeconds });
  c.set("siteId", site.siteId);
  await next();
});
