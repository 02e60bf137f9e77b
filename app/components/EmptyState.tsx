/** Shown when the window has no events: how to get data in. */
export function EmptyState(props: { apiUrl: string; siteId: string; windowLabel: string; now: string }) {
  const now = props.now.replace(/\.\d+Z$/, "Z");
  return (
    <section className="empty" data-testid="empty-state">
      <h2>No events in {props.windowLabel}</h2>
      <p>
        Nothing has been recorded for site <code>{props.siteId}</code> in this window. Pick another window above, or
        send events from the cameras (each site posts with its own ingest key):
      </p>
      <pre>
        <code>{`curl -X POST ${props.apiUrl}/api/events \\
  -H 'Authorization: Bearer <site key>' -H 'Content-Type: application/json' \\
  -d '{"timestamp":"${now}","worker_id":"W1","workstation_id":"S1","event_type":"working","confidence":0.92}'`}</code>
      </pre>
      <p>For demo data, seed the demo site (locally: <code>npm run seed -- --size small</code>), or:</p>
      <pre>
        <code>{`curl -X POST '${props.apiUrl}/api/seed?size=small' -H 'Authorization: Bearer <admin token>'`}</code>
      </pre>
    </section>
  );
}
