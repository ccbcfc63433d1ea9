import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

/** A PATCH to break: the `nth` PATCH after arming, cut after `cutAfter` body bytes went through. */
export interface PatchFault {
  nth: number;
  cutAfter: number;
  /** 'cut': drop the connection at once; 'hold': stop forwarding and wait (the test kills the agent). */
  mode: 'cut' | 'hold';
  /** Answer this many of the following HEADs with `headStatus` (a collector restarting behind nginx). */
  failHeadsAfter: number;
}

/**
 * An HTTP proxy (node:http) in front of a real collector that injects what a load balancer does
 * while a collector instance restarts: a PATCH whose connection drops half way, then 502s (or any
 * status) to the HEADs of the upload. It counts requests by method so a test can tell whether
 * the agent created a second upload.
 */
export class FaultProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  readonly count: Record<string, number> = {};
  /** Upload-Offset of every PATCH, in order, with a marker where a fault happened. */
  readonly patchOffsets: (number | 'fault')[] = [];
  failHeads = 0;
  headStatus = 502;
  headFaultsAnswered = 0;
  private patchFault: PatchFault | null = null;
  private patchesSinceArm = 0;
  private onFault: (() => void) | null = null;

  constructor(private readonly targetPort: number) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    return this.port;
  }

  /** Breaks a later PATCH; resolves when the break happened (for 'hold': when it is held). */
  armPatchFault(f: PatchFault): Promise<void> {
    this.patchFault = f;
    this.patchesSinceArm = 0;
    return new Promise((r) => (this.onFault = r));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    this.count[method] = (this.count[method] ?? 0) + 1;
    const isUpload = (req.url ?? '').startsWith('/api/v1/uploads/');
    if (method === 'HEAD' && isUpload && this.failHeads > 0) {
      this.failHeads--;
      this.headFaultsAnswered++;
      req.resume();
      res.writeHead(this.headStatus, { 'Content-Type': 'text/html', Connection: 'close' });
      res.end(`<html><body><h1>${this.headStatus}</h1>injected by the test proxy</body></html>`);
      return;
    }
    let fault: PatchFault | null = null;
    if (method === 'PATCH') {
      this.patchOffsets.push(Number(req.headers['upload-offset']));
      if (this.patchFault && ++this.patchesSinceArm === this.patchFault.nth) {
        fault = this.patchFault;
        this.patchFault = null;
      }
    }
    const up = httpRequest(
      {
        host: '127.0.0.1',
        port: this.targetPort,
        method,
        path: req.url,
        headers: req.headers,
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    const drop = () => {
      up.destroy();
      req.socket.destroy();
    };
    up.on('error', drop);
    req.on('error', drop);
    // The agent went away (killed, or our own cut): the collector sees the PATCH end early.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (!fault) {
      req.pipe(up);
      return;
    }
    const f = fault;
    let passed = 0;
    const onData = (d: Buffer) => {
      const room = f.cutAfter - passed;
      if (d.length < room) {
        passed += d.length;
        up.write(d);
        return;
      }
      up.write(d.subarray(0, room));
      req.off('data', onData);
      req.pause();
      this.patchOffsets.push('fault');
      this.failHeads = f.failHeadsAfter;
      if (f.mode === 'cut') {
        // Let the collector take the partial body before both sides see the drop.
        setTimeout(drop, 200);
      }
      this.onFault?.();
    };
    req.on('data', onData);
  }
}
