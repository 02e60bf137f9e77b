// npm run user -- <command> ...: manages dashboard users from the command line, against
// DATABASE_URL (a Neon database) or, without it, the local database of `npm run dev`.
//
//   list
//   add <email> --name "Full Name" [--owner] [--password <pw>]   without --password: prints an invite link
//   grant <email> <site> manager|viewer [--worker-detail]
//   revoke <email> <site>
//   reset <email> [--password <pw>]                              without --password: prints a reset link
//   disable <email> | enable <email>
//   logout <email>                                               ends every session of the user
//
// Links are printed as paths of the dashboard (/links/<token>); DASHBOARD_URL makes them whole.
import { parseArgs } from "node:util";
import { z } from "zod";
import { LINK_TOKEN_PREFIX, PASSWORD_MIN_LENGTH, siteRoles } from "../contract/auth";
import { createLink } from "../db/auth/links";
import { revokeUserSessions } from "../db/auth/sessions";
import { createUser, grantSite, listUsers, revokeSite, setPassword, updateUser, userByEmail } from "../db/auth/users";
import type { Database } from "../db/client";
import { hashPassword } from "../worker/auth/password";
import { newToken } from "../worker/http/credentials";
import { sha256Hex } from "../worker/lib/sha256";

import { openProjectDatabase } from "./lib/local-db";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    owner: { type: "boolean", default: false },
    password: { type: "string" },
    "worker-detail": { type: "boolean", default: false },
  },
});

const [command, ...args] = positionals;
const who = { actor: `command-line:${process.env.USER ?? "unknown"}` };
const email = (s: string | undefined) => {
  const parsed = z.email().safeParse(s?.trim().toLowerCase());
  if (!parsed.success) fail(`expected an email address, got ${JSON.stringify(s ?? "")}`);
  return parsed.data;
};
class UsageError extends Error {}
function fail(message: string): never {
  throw new UsageError(message);
}
const password = (pw: string) => {
  if (pw.length < PASSWORD_MIN_LENGTH) fail(`a password needs at least ${PASSWORD_MIN_LENGTH} characters`);
  return hashPassword(pw);
};
const linkUrl = (token: string) => `${process.env.DASHBOARD_URL?.replace(/\/+$/, "") ?? ""}/links/${token}`;

async function link(db: Database, userId: string, purpose: "invite" | "reset") {
  const token = newToken(LINK_TOKEN_PREFIX);
  const made = await createLink(db, userId, purpose, await sha256Hex(token), who);
  if (!made) fail("the user is disabled: enable them first");
  console.log(`one-time ${purpose} link (shown once, valid until ${made.expiresAt}):\n  ${linkUrl(token)}`);
}

async function existing(db: Database, address: string) {
  const user = await userByEmail(db, email(address));
  if (!user) fail(`no user ${address}`);
  return user;
}

async function run(db: Database) {
  switch (command) {
    case "list": {
      for (const u of await listUsers(db)) {
        const sites = u.sites.map((s) => `${s.site_id}:${s.role}${s.worker_detail ? "+workers" : ""}`).join(", ");
        console.log(`${u.email}\t${u.name}\t${u.status}${u.owner ? "\towner" : ""}\t${sites}`);
      }
      return;
    }
    case "add": {
      if (!values.name) fail("add needs --name");
      const user = await createUser(
        db,
        { email: email(args[0]), name: values.name, owner: values.owner, passwordHash: values.password ? password(values.password) : undefined },
        who,
      );
      if (!user) fail(`a user has the email ${args[0]} already`);
      console.log(`added ${user.email} (${user.owner ? "owner" : "no sites yet: grant some"}), ${user.status}`);
      if (!values.password) await link(db, user.id, "invite");
      return;
    }
    case "grant": {
      const user = await existing(db, args[0]);
      const role = z.enum(siteRoles).safeParse(args[2]);
      if (!args[1] || !role.success) fail("grant <email> <site> manager|viewer [--worker-detail]");
      if (!(await grantSite(db, user.id, args[1], { role: role.data, workerDetail: values["worker-detail"] }, who))) fail(`no site ${args[1]}`);
      console.log(`${user.email} is ${role.data} of ${args[1]}${values["worker-detail"] || role.data === "manager" ? ", with per-worker data" : ""}`);
      return;
    }
    case "revoke": {
      const user = await existing(db, args[0]);
      if (!args[1]) fail("revoke <email> <site>");
      await revokeSite(db, user.id, args[1], who);
      console.log(`${user.email} no longer has site ${args[1]}`);
      return;
    }
    case "reset": {
      const user = await existing(db, args[0]);
      if (values.password) {
        await setPassword(db, user.id, password(values.password), who);
        console.log(`password of ${user.email} set; their sessions ended`);
      } else {
        await link(db, user.id, "reset");
      }
      return;
    }
    case "disable":
    case "enable": {
      const user = await existing(db, args[0]);
      const changed = await updateUser(db, user.id, { status: command === "disable" ? "disabled" : "active" }, who);
      if (changed.lastOwner) fail(`${user.email} is the last active owner: make someone else an owner first`);
      console.log(`${user.email} is ${changed.user!.status}${command === "disable" ? "; their sessions ended and their links stopped working" : ""}`);
      return;
    }
    case "logout": {
      const user = await existing(db, args[0]);
      console.log(`ended ${await revokeUserSessions(db, user.id, who)} session(s) of ${user.email}`);
      return;
    }
    default:
      fail(command ? `unknown command ${command}` : "name a command");
  }
}

const stack = await openProjectDatabase();
const conn = await stack.connect();
try {
  await run(conn.db);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`npm run user: ${err.message}\nThe commands are listed in the README, "Accounts and access".`);
  process.exitCode = 2;
} finally {
  await conn.close();
  await stack.stop();
}
