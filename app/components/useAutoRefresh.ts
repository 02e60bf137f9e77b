import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { LIVE_RELOAD_MS } from "../../contract/cache-policy";

/**
 * Reloads the page's data every LIVE_RELOAD_MS while the window is live and the tab is visible.
 * Revalidation keeps the current page on screen until the new data is in, so nothing flickers.
 */
export function useAutoRefresh(live: boolean) {
  const revalidator = useRevalidator();
  // The revalidator object changes on every render; keeping it in a ref lets one interval run for
  // the life of the page instead of being restarted (and so postponed) by each render.
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => {
      const r = latest.current;
      if (document.visibilityState === "visible" && r.state === "idle") r.revalidate();
    }, LIVE_RELOAD_MS);
    return () => clearInterval(id);
  }, [live]);
  return revalidator.state === "loading";
}
