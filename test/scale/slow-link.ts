/**
 * A TCP forwarder that carries client→server bytes at a set rate: an agent on a slow link.
 * Put in front of nginx it makes one tus PATCH last long enough to kill the collector instance
 * that is receiving it, mid-request (nginx streams the body through as it arrives). Answers
 * (server→client) are not slowed.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface SlowLink {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSlowLink(
  target: { host: string; port: number },
  bytesPerSecond: number,
) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      // pass the chunk on, then hold the client back for as long as the chunk "took"
      upstream.write(chunk);
      client.pause();
      setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const link: SlowLink = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return link;
}
