// What test/global-setup.ts provides to the test workers (read in vitest.config.ts with inject()).
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    localProxy: string;
    isolatedDatabaseUrl: string;
  }
}
export {};
