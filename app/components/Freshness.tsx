import { LIVE_RELOAD_MS } from "../../contract/cache-policy";
import { formatAge, formatTime } from "../lib/format";

export type FreshnessInfo = {
  computed_at: string;
  cached: boolean;
  stale: boolean;
  pending_recompute: boolean;
};

/** How old the numbers are and whether late data is still being folded in. */
export function Freshness(props: {
  info: FreshnessInfo;
  pendingRecomputes: number | null;
  now: string;
  timeZone: string;
  live: boolean;
  refreshing: boolean;
}) {
  const { info } = props;
  return (
    // Only the figures' state is a live region: "Refreshing…" would be read out at every reload.
    // Its place is kept while hidden (visibility, not removal) so the line does not jump.
    <div className={`freshness${info.stale ? " stale" : ""}`} data-testid="freshness">
      <div role="status" className="freshness-status">
        <span>
          Computed {formatAge(info.computed_at, new Date(props.now))} ({formatTime(info.computed_at, props.timeZone, { seconds: true })}
          {info.cached ? ", from cache" : ", fresh"})
        </span>
        {info.stale && !info.pending_recompute && <span className="badge warn">stale: a refresh is due</span>}
        {info.pending_recompute && <span className="badge warn">late events being recomputed</span>}
        {props.pendingRecomputes !== null && props.pendingRecomputes > 0 && (
          <span className="badge">{props.pendingRecomputes} recompute request(s) pending</span>
        )}
        <span className="muted">{props.live ? `Live window: refreshes every ${LIVE_RELOAD_MS / 1000} s` : "Closed window"}</span>
      </div>
      {props.live && (
        <span className={`muted${props.refreshing ? "" : " invisible"}`} data-testid="refreshing">
          Refreshing…
        </span>
      )}
    </div>
  );
}
