import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

/**
 * Room between the hash and the store's file writes, so hashing continues while a write is on
 * disk. Small: the socket read-ahead lives in web-request.ts. Bytes, not chunks.
 */
export const PATCH_BUFFER = { highWaterMark: 1024 * 1024 } as const;

interface Running {
  hash: Hash;
  /** Bytes [0, upTo) of the upload have gone through `hash`, in order. */
  upTo: number;
}

/**
 * sha256 of an upload computed while its bytes are written to the store, so finishing a 64 GiB
 * dump does not mean reading 64 GiB back. Only trusted when one unbroken chain of PATCHes in this
 * process covered every byte and the store confirmed each write's length; anything else (a
 * restart, a PATCH that failed, a write shorter than what passed through) drops the chain and
 * the ingest falls back to streaming the stored object.
 */
export class ArrivalDigests {
  private readonly running = new Map<string, Running>();

  /** Wraps one PATCH body. Call `settle` with the store's new offset (or null on failure). */
  observe(
    id: string,
    offset: number,
    body: Readable,
  ): { body: Readable; settle(newOffset: number | null): void } {
    let chain = this.running.get(id);
    if (!chain || chain.upTo !== offset) {
      this.running.delete(id);
      chain = offset === 0 ? { hash: createHash('sha256'), upTo: 0 } : undefined;
    }
    if (!chain) return { body, settle: () => undefined };
    const current = chain;
    let seen = 0;
    const tee = new Transform({
      ...PATCH_BUFFER,
      transform(chunk: Buffer, _enc, done) {
        current.hash.update(chunk);
        seen += chunk.length;
        done(null, chunk);
      },
    });
    body.on('error', (err) => tee.destroy(err));
    body.pipe(tee);
    return {
      body: tee,
      settle: (newOffset) => {
        if (newOffset !== null && newOffset === offset + seen) {
          current.upTo = newOffset;
          this.running.set(id, current);
        } else {
          this.running.delete(id);
        }
      },
    };
  }

  /** The digest when bytes [0, size) were all seen; consumes the chain either way. */
  take(id: string, size: number): string | null {
    const chain = this.running.get(id);
    this.running.delete(id);
    return chain && chain.upTo === size ? chain.hash.digest('hex') : null;
  }

  forget(id: string): void {
    this.running.delete(id);
  }
}
