import { Hono } from "hono";
import { z } from "zod";
import {
  createdUserSchema,
  grantRequestSchema,
  LINK_TOKEN_PREFIX,
  newUserSchema,
  oneTimeLinkSchema,
  revokedSessionsSchema,
  userChangeSchema,
  userListSchema,
  userSchema,
} from "../../contract/auth";
import { createLink } from "../../db/auth/links";
import { revokeUserSessions } from "../../db/auth/sessions";
import { createUser, getUser, grantSite, listUsers, revokeSite, updateUser } from "../../db/auth/users";
import type { AppEnv } from "../env";
import { requireOwner, whoActs } from "../http/auth";
import { newToken } from "../http/credentials";
import { ApiError } from "../http/errors";
import { NO_STORE } from "../http/security-headers";
import { requireJson, validate } from "../http/validate";
import { sha256Hex } from "../lib/sha256";
import { operation, TAGS } from "../openapi/describe";


const userId = z.string().min(1).max(64).meta({ description: "The user's id.", examples: ["6f1c2a9e-4b7d-4e0a-9c3f-2d8b5e7a1f40"] });
const userParam = validate("param", z.object({ id: userId }));
const grantParam = validate("param", z.object({ id: userId, site: z.string().min(1).meta({ description: "The site's id.", examples: ["plant-7"] }) }));

const userNotFound = (id: string) => new ApiError(404, "user_not_found", `No user ${id}.`);

const listing = operation({ tag: TAGS.users, summary: "Every user with their roles per site", access: "owner", ok: userListSchema });
const creation = operation({
  tag: TAGS.users,
  summary: "Adds a user and answers their one-time invite link (shown this once)",
  access: "owner",
  ok: createdUserSchema,
  success: { 201: "Created, invited: the user sets a password through the link" },
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "user_exists"],
});
const change = operation({
  tag: TAGS.users,
  summary: "Renames, disables (ending every session) or enables a user, or makes them an owner or not",
  access: "owner",
  ok: userSchema,
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "user_not_found", "last_owner"],
});
const grant = operation({
  tag: TAGS.users,
  summary: "Grants a role on a site (or changes it)",
  access: "owner",
  ok: userSchema,
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "user_not_found", "site_not_found"],
});
const ungrant = operation({ tag: TAGS.users, summary: "Takes a site away from a user", access: "owner", ok: userSchema, errors: ["user_not_found"] });
const resetLink = operation({
  tag: TAGS.users,
  summary: "A one-time password reset link (shown this once); earlier ones stop working",
  access: "owner",
  ok: oneTimeLinkSchema,
  errors: ["user_not_found"],
});
const signOut = operation({ tag: TAGS.users, summary: "Ends every session of a user", access: "owner", ok: revokedSessionsSchema, errors: ["user_not_found"] });

/** A new one-time link for the user, or undefined when the user is unknown or disabled. */
async function newLink(db: Parameters<typeof createLink>[0], userId: string, purpose: "invite" | "reset", who: ReturnType<typeof whoActs>) {
  const token = newToken(LINK_TOKEN_PREFIX);
  const made = await createLink(db, userId, purpose, await sha256Hex(token), who);
  return made && { token, purpose, expires_at: made.expiresAt };
}

export const userRoutes = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/", listing, async (c) => {
    const { db } = await c.get("db")();
    return c.json({ users: await listUsers(db) });
  })
  .post("/", creation, requireJson, validate("json", newUserSchema), async (c) => {
    const body = c.req.valid("json");
    const { db } = await c.get("db")();
    const user = await createUser(db, { email: body.email, name: body.name, owner: body.owner }, whoActs(c));
    if (!user) throw new ApiError(409, "user_exists", `A user has the email ${body.email} already.`);
    const link = (await newLink(db, user.id, "invite", whoActs(c)))!;
    return c.json({ user, link }, 201, NO_STORE);
  })
  .patch("/:id", change, userParam, requireJson, validate("json", userChangeSchema), async (c) => {
    const id = c.req.param("id");
    const body = c.req.valid("json");
    const { db } = await c.get("db")();
    const { user, lastOwner } = await updateUser(db, id, body, whoActs(c));
    // Someone must be able to manage users after this change.
    if (lastOwner) throw new ApiError(409, "last_owner", "This is the last active owner: make someone else an owner first.");
    if (!user) throw userNotFound(id);
    return c.json(user);
  })
  .put("/:id/sites/:site", grant, grantParam, requireJson, validate("json", grantRequestSchema), async (c) => {
    const { id, site } = c.req.valid("param");
    const body = c.req.valid("json");
    const { db } = await c.get("db")();
    const user = await grantSite(db, id, site, { role: body.role, workerDetail: body.worker_detail }, whoActs(c));
    if (!user) {
      if (!(await getUser(db, id))) throw userNotFound(id);
      throw new ApiError(404, "site_not_found", `No site ${site}.`);
    }
    return c.json(user);
  })
  .delete("/:id/sites/:site", ungrant, grantParam, async (c) => {
    const { id, site } = c.req.valid("param");
    const { db } = await c.get("db")();
    const user = await revokeSite(db, id, site, whoActs(c));
    if (!user) throw userNotFound(id);
    return c.json(user);
  })
  .post("/:id/reset-link", resetLink, userParam, async (c) => {
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    const link = await newLink(db, id, "reset", whoActs(c));
    if (!link) throw userNotFound(id);
    return c.json(link, 200, NO_STORE);
  })
  .post("/:id/logout-everywhere", signOut, userParam, async (c) => {
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    if (!(await getUser(db, id))) throw userNotFound(id);
    return c.json({ revoked: await revokeUserSessions(db, id, whoActs(c)) });
  });
