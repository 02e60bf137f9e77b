import { Hono } from "hono";
import { z } from "zod";
import { createSite, listSites, rotateSiteKey } from "../../db/sites";
import type { AppEnv } from "../env";
import { requireAdmin } from "../http/auth";
import { ApiError } from "../http/errors";
import { isStorableText } from "../http/storable-text";
import { validate } from "../http/validate";
import { sha256Hex } from "../ingest/event-id";
import { newSiteKey } from "./site-key";

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const newSiteSchema = z.object({
  site_id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "site_id: lowercase letters, digits, _ and -, up to 64"),
  name: z.string().trim().min(1).max(200).refine(isStorableText, "name may not contain NUL characters or unpaired surrogates"),
  time_zone: z.string().refine(isTimeZone, "time_zone must be an IANA time zone such as Europe/Berlin").default("UTC"),
  max_state_seconds: z.number().int().min(10).max(86_400).default(600),
});

export const siteRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .get("/", async (c) => {
    const { db } = await c.get("db")();
    return c.json({ sites: await listSites(db) });
  })
  .post("/", validate("json", newSiteSchema), async (c) => {
    const body = c.req.valid("json");
    const key = newSiteKey();
    const { db } = await c.get("db")();
    const created = await createSite(
      db,
      { siteId: body.site_id, name: body.name, timeZone: body.time_zone, maxStateSeconds: body.max_state_seconds },
      await sha256Hex(key),
    );
    if (!created) throw new ApiError(409, "site_exists", `Site ${body.site_id} exists; rotate its key instead.`);
    // The only time the key is shown: only its hash is stored.
    return c.json({ site_id: body.site_id, site_key: key }, 201);
  })
  .post("/:siteId/rotate-key", async (c) => {
    const key = newSiteKey();
    const { db } = await c.get("db")();
    if (!(await rotateSiteKey(db, c.req.param("siteId"), await sha256Hex(key)))) {
      throw new ApiError(404, "site_not_found", `No site ${c.req.param("siteId")}.`);
    }
    return c.json({ site_id: c.req.param("siteId"), site_key: key });
  });
