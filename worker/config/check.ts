import type { ErrorDetail } from "../http/errors";
import { bindingsChecked, type Bindings } from "./bindings";

/** The bindings are missing or malformed: the message names every variable at fault. */
export class MisconfiguredError extends Error {
  constructor(readonly details: ErrorDetail[]) {
    super(`The worker is misconfigured: ${details.map((d) => `${d.path} ${d.message}`).join("; ")}.`);
    this.name = "MisconfiguredError";
  }
}

// Per isolate: the runtime hands every invocation the same env object, so each one is parsed once,
// and a test's own bindings object gets its own verdict.
const verdicts = new WeakMap<object, MisconfiguredError | null>();

function check(env: unknown): MisconfiguredError | null {
  const result = bindingsChecked.safeParse(env);
  if (result.success) return null;
  const problem = new MisconfiguredError(result.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(env)", message: i.message })));
  // Logged once per env object, whichever entry point met it first.
  console.error(JSON.stringify({ level: "error", msg: "misconfigured", error: problem.message, details: problem.details }));
  return problem;
}

/** What is wrong with the bindings, if anything; undefined when they are fine. */
export function misconfiguration(env: unknown): MisconfiguredError | undefined {
  if (typeof env !== "object" || env === null) return check(env) ?? undefined;
  let verdict = verdicts.get(env);
  if (verdict === undefined) {
    verdict = check(env);
    verdicts.set(env, verdict);
  }
  return verdict ?? undefined;
}

/** For the queue consumer and the cron: throws the MisconfiguredError, naming the variables. */
export function assertBindings(env: unknown): asserts env is Bindings {
  const problem = misconfiguration(env);
  if (problem) throw problem;
}
