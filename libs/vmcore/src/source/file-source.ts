import { open, type FileHandle } from 'node:fs/promises';
import { clampLength, type ByteSource } from './byte-source.js';

/** A ByteSource over a local file, using positioned reads (no shared file position). */
export class FileSource implements ByteSource {
  private read_ = 0;
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly description: string,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      return new FileSource(handle, st.size, path);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get bytesRead(): number {
    return this.read_;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(out, done, n - done, offset + done);
      if (bytesRead === 0) break; // file shrank under us: report what we have
      done += bytesRead;
    }
    this.read_ += done;
    return done === n ? out : out.subarray(0, done);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
