import { Hono } from "hono";
import type { AppEnv } from "./env";
import { handleError, notFound } from "./http/errors";
import { requestContext } from "./http/request-context";
import { requireStorableUrl } from "./http/storable-text";
import { auditRoutes } from "./audit/routes";
import { authRoutes } from "./auth/routes";
import { cacheRoutes } from "./cache/routes";
import { securityHeaders } from "./http/security-headers";
import { userRoutes } from "./users/routes";
import { ingestRoutes } from "./ingest/routes";
import { metricsRoutes } from "./metrics/routes";
import { modelRoutes } from "./models/routes";
import { docsRoutes } from "./openapi/routes";
import { opsRoutes } from "./ops/routes";
import { recomputeRoutes } from "./recompute/routes";
import { siteRoutes } from "./sites/routes";
import { timelineRoutes } from "./timeline/routes";

export const app = new Hono<AppEnv>()
  .basePath("/api")
  .use(requestContext, securityHeaders, requireStorableUrl)
  .route("/events", ingestRoutes)
  .route("/auth", authRoutes)
  .route("/users", userRoutes)
  .route("/audit", auditRoutes)
  .route("/sites", siteRoutes)
  .route("/metrics/cache", cacheRoutes)
  .route("/metrics/recompute", recomputeRoutes)
  .route("/metrics", metricsRoutes)
  .route("/timeline", timelineRoutes)
  .route("/models", modelRoutes)
  .route("/", opsRoutes);

// Mounted last: the description (generated on first request) covers every route above, and these.
app.route("/", docsRoutes(app));

app.onError(handleError);
app.notFound(notFound);

export type AppType = typeof app;
