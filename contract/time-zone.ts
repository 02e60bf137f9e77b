// Wall-clock arithmetic in a site's IANA time zone with nothing but Intl (Workers have no tz data
// library), correct across DST changes.
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

export function zone(timeZone: string) {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsetAt = (ms: number) => {
    const p: Record<string, number> = {};
    for (const { type, value } of fmt.formatToParts(ms)) if (type !== "literal") p[type] = Number(value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  return {
    /** Local calendar day as days since 1970-01-01. */
    localDay: (ms: number) => Math.floor((ms + offsetAt(ms)) / DAY_MS),
    /** UTC instant of a local wall-clock time; minutes may exceed 24 h to reach the next day. */
    toUtc: (day: number, minutes: number) => {
      const local = day * DAY_MS + minutes * MINUTE_MS;
      // Second lookup uses the offset in force at the (approximate) instant itself, which is what
      // makes days with a DST change come out right.
      return local - offsetAt(local - offsetAt(local));
    },
  };
}

/** The UTC instants of the local midnight starting the day that contains `at`, and the next one. */
export function localDayBounds(at: Date, timeZone: string): { start: Date; end: Date } {
  const z = zone(timeZone);
  const day = z.localDay(at.getTime());
  return { start: new Date(z.toUtc(day, 0)), end: new Date(z.toUtc(day + 1, 0)) };
}
