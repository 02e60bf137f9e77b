// The event types and what each one means to the metrics, in one place: a `state` event starts an
// interval that holds until the worker's next state event (capped); a `count` event adds units at
// its instant and never starts or ends an interval. Adding an event type starts here (see
// docs/architecture.md, "Add an event type"). No zod: the browser bundle imports it.
export const eventKinds = {
  working: "state",
  idle: "state",
  absent: "state",
  product_count: "count",
} as const satisfies Record<string, "state" | "count">;

export type EventType = keyof typeof eventKinds;
export type StateEventType = { [K in EventType]: (typeof eventKinds)[K] extends "state" ? K : never }[EventType];
export type CountEventType = Exclude<EventType, StateEventType>;

const typesOf = <K extends "state" | "count">(kind: K) =>
  (Object.keys(eventKinds) as EventType[]).filter((t) => eventKinds[t] === kind);

export const eventTypes = Object.keys(eventKinds) as [EventType, ...EventType[]];
export const stateEventTypes = typesOf("state") as StateEventType[];
export const countEventTypes = typesOf("count") as CountEventType[];

/** A state interval's state: a state event's type, or `unknown` past the cap (no signal). */
export const timelineStates = [...stateEventTypes, "unknown"] as [...StateEventType[], "unknown"];
export type TimelineState = StateEventType | "unknown";
