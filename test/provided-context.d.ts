// What test/global-setup.ts provides to the test workers (read in vitest.config.ts with inject()).
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    localProxy: string;
    isolatedDatabaseUrl: string;
    /** A stand-in Cloudflare Access team (test/access-keys-server.ts) and its keys, as JWK JSON. */
    accessTeamUrl: string;
    accessPrivateJwk: string;
    accessForgedJwk: string;

  }
}
export {};
