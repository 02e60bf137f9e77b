import { useRouteLoaderData } from "@remix-run/react";

/** The hidden CSRF token every POST form carries (app/lib/csrf.server.ts checks it; root.tsx's loader hands it out). */
export function CsrfField() {
  const root = useRouteLoaderData("root") as { csrf?: string } | undefined;
  return <input type="hidden" name="csrf" value={root?.csrf ?? ""} />;
}
