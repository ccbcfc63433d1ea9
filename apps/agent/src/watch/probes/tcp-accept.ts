import { connect } from 'node:net';
import type { ProbeFunction, TcpTarget } from '../probe-protocol.js';

/**
 * Connect to each local service and read its first bytes. A listener whose process never calls
 * accept still completes the handshake (the kernel queues it), so only the banner proves the
 * service runs; with `banner: false` the connect alone counts. No timeout here: the watcher's
 * deadline is the timeout, and the last step names the service that did not answer.
 */
function probeOne(t: TcpTarget): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: t.host, port: t.port });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new Error(`${t.host}:${t.port}: ${err.code ?? err.message}`));
    });
    socket.once('connect', () => {
      if (!t.banner) {
        socket.destroy();
        resolve(`${t.host}:${t.port} accepted the connection`);
      }
    });
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      const banner = chunk.toString('latin1').split(/\r?\n/)[0]!.slice(0, 120);
      resolve(`${t.host}:${t.port} answered: ${JSON.stringify(banner)}`);
    });
    socket.once('end', () => {
      socket.destroy();
      reject(new Error(`${t.host}:${t.port}: closed before sending a banner`));
    });
  });
}

export const tcpAccept: ProbeFunction = async (opts, step) => {
  const evidence: string[] = [];
  let failed = false;
  for (const t of opts.tcpTargets) {
    step(`${t.host}:${t.port}`);
    try {
      evidence.push(await probeOne(t));
    } catch (err) {
      failed = true;
      evidence.push((err as Error).message);
    }
  }
  if (opts.tcpTargets.length === 0) evidence.push('no TCP services configured');
  return { status: failed ? 'error' : 'ok', evidence };
};
