// The Neon driver speaks Postgres over a WebSocket. Locally there is no Neon edge, so this tiny proxy
// accepts the driver's WebSocket at /v1?address=host:port and pipes it to a plain TCP Postgres.
import { createServer, type Server } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export type WsProxy = { port: number; address: string; close: () => Promise<void> };

function pipe(ws: WebSocket, socket: Socket) {
  ws.on("message", (data: Buffer) => socket.write(data));
  socket.on("data", (data) => ws.readyState === ws.OPEN && ws.send(data));
  socket.on("close", () => ws.close());
  socket.on("error", () => ws.close());
  ws.on("close", () => socket.destroy());
  ws.on("error", () => socket.destroy());
}

export async function startWsProxy(opts: { port?: number } = {}): Promise<WsProxy> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(426).end("websocket only");
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, duplex, head) => {
    const target = new URL(req.url ?? "/", "http://localhost").searchParams.get("address") ?? "";
    // host:port, where the host may be IPv6 loopback (::1 or [::1]).
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    const port = Number(target.slice(colon + 1));
    const refuse = (status: string) => {
      duplex.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    };
    // Only loopback targets: this proxy must never become a way out of the machine.
    if (!["127.0.0.1", "localhost", "::1"].includes(host) || !port) return refuse("403 Forbidden");
    // Reach Postgres before accepting the WebSocket, so an unreachable database fails the
    // driver's connect (as an unreachable Neon endpoint does) instead of closing an open socket.
    const socket = tcpConnect({ host: host === "::1" ? "::1" : "127.0.0.1", port, noDelay: true });
    socket.once("error", () => refuse("502 Bad Gateway"));
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      wss.handleUpgrade(req, duplex, head, (ws) => pipe(ws, socket));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
