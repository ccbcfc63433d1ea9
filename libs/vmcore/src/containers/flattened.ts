import { VmcoreContainerError } from '../errors.js';
import { clampLength, type ByteSource } from '../source/byte-source.js';
import { ForwardScan } from '../source/forward-scan.js';
import {
  FLAT_DATA_HEADER_SIZE,
  FLAT_END_FLAG,
  FLAT_HEADER_SIZE,
  FLAT_TYPE,
  hasFlatSignature,
} from './flattened-header.js';

/** Over a read-ahead source, stream gaps up to this size are read through rather than skipped. */
const MERGE_GAP_REMOTE = 64 * 1024;

/** One piece of the logical (rebuilt) file, found at `fileOffset` in the flattened stream. */
interface Extent {
  logical: number;
  length: number;
  fileOffset: number;
}

export interface FlattenedIndexLimits {
  /** maximum number of records accepted (bounded memory, ~50 bytes each); default 2 million */
  maxRecords?: number;
}

/**
 * The logical file inside a makedumpfile flattened stream, read in place: the records are
 * indexed in one pass (only their 16-byte headers are read; data is skipped), then each logical
 * range maps to file ranges. Where records overlap, the later one wins, as `makedumpfile -R`
 * (which simply writes every record at its offset in turn) would leave it. Gaps read as zeros,
 * like the sparse holes of a rebuilt file.
 */
export class FlattenedSource implements ByteSource {
  private constructor(
    private readonly inner: ByteSource,
    private readonly extents: Extent[],
    readonly size: number,
    readonly recordCount: number,
    /** the stream ended without makedumpfile's end marker (cut short) */
    readonly truncated: boolean,
    /** reads the index scan made of the stream (one per record header over a local file) */
    readonly indexFetches: number,
  ) {}

  static async open(
    inner: ByteSource,
    limits: FlattenedIndexLimits = {},
  ): Promise<FlattenedSource> {
    const maxRecords = limits.maxRecords ?? 2_000_000;
    const head = await inner.read(0, 32);
    if (!hasFlatSignature(head) || head.length < 32) {
      throw new VmcoreContainerError('BAD_FLATTENED', 'not a makedumpfile flattened stream', 0);
    }
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const type = view.getBigInt64(16, false);
    if (type !== FLAT_TYPE) {
      throw new VmcoreContainerError('BAD_FLATTENED', `flattened header type ${type} is not 1`, 16);
    }
    const records: Extent[] = [];
    // The record headers lie between the records' data, so finding each needs the one before:
    // over an object store the scan fetches growing blocks instead of one GET per header.
    const scan = new ForwardScan(inner);
    let pos = FLAT_HEADER_SIZE;
    let ended = false;
    let logicalSize = 0;
    while (pos + FLAT_DATA_HEADER_SIZE <= inner.size) {
      const rh = await scan.read(pos, FLAT_DATA_HEADER_SIZE);
      if (rh.length < FLAT_DATA_HEADER_SIZE) break;
      const rv = new DataView(rh.buffer, rh.byteOffset, rh.byteLength);
      const offset = rv.getBigInt64(0, false);
      const size = rv.getBigInt64(8, false);
      if (offset === FLAT_END_FLAG && size === FLAT_END_FLAG) {
        ended = true;
        break;
      }
      const dataAt = pos + FLAT_DATA_HEADER_SIZE;
      if (
        offset < 0n ||
        size < 0n ||
        offset > BigInt(Number.MAX_SAFE_INTEGER) ||
        size > BigInt(inner.size)
      ) {
        throw new VmcoreContainerError(
          'BAD_FLATTENED',
          `flattened record at ${pos} has bad offset ${offset} or size ${size}`,
          pos,
        );
      }
      let len = Number(size);
      // a stream cut short inside a record: keep the part that arrived (reported as truncated)
      const cut = dataAt + len > inner.size;
      if (cut) len = inner.size - dataAt;
      if (records.length >= maxRecords) {
        throw new VmcoreContainerError(
          'BAD_FLATTENED',
          `more than ${maxRecords} flattened records`,
          pos,
        );
      }
      const logical = Number(offset);
      if (len > 0) records.push({ logical, length: len, fileOffset: dataAt });
      logicalSize = Math.max(logicalSize, logical + len);
      pos = dataAt + len;
      if (cut) break;
    }
    if (!ended && records.length === 0) {
      throw new VmcoreContainerError('BAD_FLATTENED', 'flattened stream holds no records', pos);
    }
    // A stream without its end marker was cut short; what arrived is still usable.
    return new FlattenedSource(
      inner,
      resolveOverlaps(records),
      logicalSize,
      records.length,
      !ended,
      scan.fetches,
    );
  }

  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  get description(): string {
    return `${this.inner.description} (flattened)`;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    const out = new Uint8Array(n);
    if (n === 0) return out;
    const end = offset + n;
    // the pieces of [offset, end) in logical order, each with where it lies in the stream
    const pieces: { at: number; length: number; fileOffset: number }[] = [];
    for (let i = this.firstExtentEndingAfter(offset); i < this.extents.length; i++) {
      const e = this.extents[i]!;
      if (e.logical >= end) break;
      const lo = Math.max(offset, e.logical);
      const hi = Math.min(end, e.logical + e.length);
      pieces.push({
        at: lo - offset,
        length: hi - lo,
        fileOffset: e.fileOffset + (lo - e.logical),
      });
    }
    // Pieces that follow each other in the stream (separated by record headers, or by a short
    // gap over an object store) are fetched in one read: small records would otherwise cost
    // one request each.
    const maxGap = this.inner.readAhead ? MERGE_GAP_REMOTE : FLAT_DATA_HEADER_SIZE;
    for (let i = 0; i < pieces.length;) {
      const first = pieces[i]!;
      let last = first;
      let j = i + 1;
      for (; j < pieces.length; j++) {
        const p = pieces[j]!;
        const gap = p.fileOffset - (last.fileOffset + last.length);
        if (gap < 0 || gap > maxGap) break;
        last = p;
      }
      const span = await this.inner.read(
        first.fileOffset,
        last.fileOffset + last.length - first.fileOffset,
      );
      for (let k = i; k < j; k++) {
        const p = pieces[k]!;
        const from = p.fileOffset - first.fileOffset;
        out.set(span.subarray(from, from + p.length), p.at);
      }
      i = j;
    }
    return out;
  }

  /** binary search: index of the first extent whose end is beyond `offset` */
  private firstExtentEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.extents.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.extents[mid]!;
      if (e.logical + e.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/**
 * Turn records in stream order into sorted, non-overlapping extents where later records win.
 * Records come mostly in increasing offset order (page data is appended), so inserting each one
 * into the sorted list touches only its neighbourhood.
 */
export function resolveOverlaps(records: readonly Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const r of records) {
    const rEnd = r.logical + r.length;
    // first extent that ends after r starts
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = out[mid]!;
      if (e.logical + e.length <= r.logical) lo = mid + 1;
      else hi = mid;
    }
    const start = lo;
    const replacement: Extent[] = [];
    let j = start;
    for (; j < out.length && out[j]!.logical < rEnd; j++) {
      const e = out[j]!;
      if (e.logical < r.logical) {
        replacement.push({
          logical: e.logical,
          length: r.logical - e.logical,
          fileOffset: e.fileOffset,
        });
      }
      const eEnd = e.logical + e.length;
      if (eEnd > rEnd) {
        const cut = rEnd - e.logical;
        replacement.push({ logical: rEnd, length: eEnd - rEnd, fileOffset: e.fileOffset + cut });
      }
    }
    // keep order: pieces before r, r, pieces after r
    const before = replacement.filter((p) => p.logical < r.logical);
    const after = replacement.filter((p) => p.logical >= rEnd);
    out.splice(start, j - start, ...before, { ...r }, ...after);
  }
  return out;
}
