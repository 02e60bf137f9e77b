// A stand-in for a Cloudflare Access team: an HTTP server on 127.0.0.1 publishing the public half
// of a key pair made here at /cdn-cgi/access/certs, as Access does. Tests sign tokens with the
// private half (and with a second key the server does not publish, for a forged signature).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";

export async function startAccessKeysServer() {
  const [published, unpublished] = await Promise.all([
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("RS256", { extractable: true }),
  ]);
  const publicJwk = { ...(await exportJWK(published.publicKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
  const certs = JSON.stringify({ keys: [publicJwk] });
  const server = createServer((req, res) => {
    if (req.url === "/cdn-cgi/access/certs") {
      res.writeHead(200, { "content-type": "application/json" }).end(certs);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    teamUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    privateJwk: JSON.stringify({ ...(await exportJWK(published.privateKey)), kid: "test-key-1", alg: "RS256" }),
    forgedJwk: JSON.stringify({ ...(await exportJWK(unpublished.privateKey)), kid: "test-key-1", alg: "RS256" }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
