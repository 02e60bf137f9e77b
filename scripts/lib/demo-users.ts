// The demo logins of `npm run dev` (and of the end-to-end tests): made only on a database on this
// machine, never on a Neon database, whose users are made with `npm run user`.
import type { Database } from "../../db/client";
import { createUser, grantSite, userForLogin } from "../../db/auth/users";
import { hashPassword } from "../../worker/auth/password";
import { DEMO_SITE } from "../../worker/seed/seed-demo";

export const DEMO_USERS = [
  { email: "owner@demo.local", name: "Olivia Owner", password: "demo-owner-password", owner: true },
  { email: "manager@demo.local", name: "Manfred Manager", password: "demo-manager-password", owner: false, role: "manager" as const },
  { email: "viewer@demo.local", name: "Vera Viewer", password: "demo-viewer-password", owner: false, role: "viewer" as const },
];

const who = { actor: "npm-run-dev" };

/** Creates the demo users that are missing (an existing one keeps its password); answers the logins. */
export async function ensureDemoUsers(db: Database) {
  for (const u of DEMO_USERS) {
    if (await userForLogin(db, u.email)) continue;
    const user = await createUser(db, { email: u.email, name: u.name, owner: u.owner, passwordHash: hashPassword(u.password) }, who);
    if (user && u.role) await grantSite(db, user.id, DEMO_SITE.siteId, { role: u.role, workerDetail: false }, who);
  }
  return DEMO_USERS;
}
