/**
 * What a tus HEAD on an upload URL the agent already knows may lead to.
 *
 * tus-js-client's `_resumeUpload` treats every non-2xx answer to its HEAD (other than 423) as
 * "the upload is gone" and creates a new upload from byte 0. A 502 from nginx while a collector
 * instance restarts, or a 500/503 from the collector, would then re-send a multi-GB dump and
 * orphan the partial one. Only 404/410 mean the collector no longer has the upload.
 */
export type HeadVerdict = 'ok' | 'gone' | 'retry' | 'fatal';

export function headVerdict(status: number): HeadVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 404 || status === 410) return 'gone';
  // 423: tus-js-client already retries a locked upload itself, against the same URL.
  if (status === 0 || status >= 500 || status === 423 || status === 429) return 'retry';
  return 'fatal';
}

/**
 * Thrown from `onAfterResponse` when the HEAD of a known upload got an answer that is neither
 * the upload's offset nor "gone". Throwing there turns the answer into a request failure for
 * tus-js-client, which keeps its `url` and retries the HEAD (with `retryDelays`) against the
 * same upload instead of creating a new one.
 */
export class ResumeHeadFailed extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HEAD of the upload answered ${status}; retrying the same upload`);
    this.name = 'ResumeHeadFailed';
  }

  get retryable(): boolean {
    return headVerdict(this.status) === 'retry';
  }
}
