// The contract's event kinds (contract/event-types.ts) as SQL predicates, so that no query spells
// out which types start an interval and which count units. For one count type they read
// `event_type = 'product_count'` and `<> 'product_count'`, the forms the check constraint and the
// query plans were written with.
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { countEventTypes, eventTypes } from "../contract/event-types";

const literals = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");
const column = (col: SQLWrapper | string) => (typeof col === "string" ? sql.raw(col) : col);

/** `col` holds a count event (units at an instant). */
export const isCountEvent = (col: SQLWrapper | string): SQL =>
  countEventTypes.length === 1
    ? sql`${column(col)} = ${sql.raw(literals(countEventTypes))}`
    : sql`${column(col)} in (${sql.raw(literals(countEventTypes))})`;

/** `col` holds a state event (starts an interval that lasts until the worker's next one, capped). */
export const isStateEvent = (col: SQLWrapper | string): SQL =>
  countEventTypes.length === 1
    ? sql`${column(col)} <> ${sql.raw(literals(countEventTypes))}`
    : sql`${column(col)} not in (${sql.raw(literals(countEventTypes))})`;

/** `col` holds one of the contract's event types (the table's check constraint). */
export const isKnownEventType = (col: SQLWrapper | string): SQL => sql`${column(col)} in (${sql.raw(literals(eventTypes))})`;
