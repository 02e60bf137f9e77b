import type { LinksFunction, MetaFunction } from "@remix-run/cloudflare";
import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useNavigation } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { RouteError } from "./components/RouteError";
import styles from "./styles.css?url";

export const links: LinksFunction = () => [
  // Without an icon Chromium requests /favicon.ico and logs the 404 as a console error.
  { rel: "icon", href: "data:," },
  { rel: "stylesheet", href: styles },
];

export const meta: MetaFunction = () => [{ title: "Worker Productivity Dashboard" }];

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="top">
          <Link to="/" className="brand">
            Worker Productivity
          </Link>
        </header>
        <main id="main">{children}</main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  // While another window or page loads, the current one stays (dimmed) rather than blanking.
  const loading = useNavigation().state === "loading";
  // Marks the document interactive (sorting, keyboard charts): tests and styles can wait for it.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <div className={loading ? "navigating" : undefined} aria-busy={loading}>
      <Outlet />
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
