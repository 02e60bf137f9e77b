import { sql, type SQL } from "drizzle-orm";

/** A timestamptz as ISO 8601 in UTC inside SQL (json_build_object would use the session's zone). */
export const isoUtc = (t: SQL) => sql`to_char((${t}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
