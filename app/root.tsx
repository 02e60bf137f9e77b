import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useLocation, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { CsrfField } from "./components/CsrfField";
import { RouteError } from "./components/RouteError";
import { csrfToken } from "./lib/csrf.server";
import { useNonce } from "./lib/nonce";
import { withApiErrors } from "./lib/page-context.server";
import { currentUser } from "./lib/session.server";
import { siteOfPath, switchSitePath } from "./lib/site-path";
import styles from "./styles.css?url";

export const links: LinksFunction = () => [
  // Without an icon Chromium requests /favicon.ico and logs the 404 as a console error.
  { rel: "icon", href: "data:," },
  { rel: "stylesheet", href: styles },
];

export const meta: MetaFunction = () => [{ title: "Worker Productivity Dashboard" }];

/** Every page: the CSRF token for its forms, and who is signed in (none on the sign-in page). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  // Without SESSION_SECRET this throws: every page explains it rather than running unsigned.
  const csrf = await withApiErrors(() => csrfToken(request, context));
  // The header is a convenience: a page whose own loader needs the user reports the failure.
  const signedIn = await currentUser(request, context).catch(() => null);
  const me = signedIn?.me;
  return {
    csrf,
    user: me ? { name: me.user.name, email: me.user.email, owner: me.user.owner } : null,
    sites: me ? me.sites.map((s) => ({ id: s.site_id, name: s.name })) : [],
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
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
        <Header />
        <main id="main">{children}</main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Header() {
  const root = useRouteLoaderData<typeof loader>("root");
  const location = useLocation();
  const user = root?.user;
  const current = siteOfPath(location.pathname);
  const currentName = root?.sites.find((s) => s.id === current)?.name;
  return (
    <header className="top">
      <Link to="/" className="brand">
        Worker Productivity
      </Link>
      {user && root.sites.length > 0 && (
        <nav className="site-switcher" aria-label="Sites">
          {/* Keyed by the page so that it closes after a choice. */}
          <details key={location.pathname + location.search}>
            <summary data-testid="site-switcher">{currentName ? `Site: ${currentName}` : "All sites"}</summary>
            <ul>
              <li>
                <Link to="/" aria-current={current === undefined && location.pathname === "/" ? "page" : undefined}>
                  All sites
                </Link>
              </li>
              {root.sites.map((s) => (
                <li key={s.id}>
                  <Link
                    to={switchSitePath(location.pathname, location.search, s.id)}
                    aria-current={s.id === current ? "page" : undefined}
                    data-site={s.id}
                  >
                    {s.name}
                  </Link>
                </li>
              ))}
            </ul>
          </details>
        </nav>
      )}
      {user?.owner && (
        <nav className="admin-links" aria-label="Administration">
          <Link to="/admin/users">Users &amp; keys</Link>
          <Link to="/admin/audit">Audit log</Link>
        </nav>
      )}
      {user && (
        <div className="account">
          <span className="user-name" title={user.email} data-testid="user-name">
            {user.name}
          </span>
          {/* A plain form (a document request): signing out reloads everything. */}
          <form method="post" action="/logout" className="logout-form">
            <CsrfField />
            <button type="submit">Log out</button>
            <button type="submit" name="everywhere" value="1" className="secondary" title="End every session of yours, on every device">
              Log out everywhere
            </button>
          </form>
        </div>
      )}
    </header>
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
