/** The two steps a dump goes through; each is one job with its own attempts and lease. */
export const ANALYSIS_STEPS = ['triage', 'deep'] as const;
export type AnalysisStep = (typeof ANALYSIS_STEPS)[number];

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface ClaimedJob {
  id: string;
  dumpId: string;
  step: AnalysisStep;
  /** this attempt's number, from 1 */
  attempt: number;
  maxAttempts: number;
  owner: string;
  /**
   * True when the job was taken back from a dead worker but has no attempts left: the queue has
   * already marked it failed; the worker only records why.
   */
  exhausted: boolean;
  lastError: string | null;
}

/** A step failure; `permanent` ones (bad dump bytes) are not retried. */
export class AnalysisStepError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'AnalysisStepError';
  }
}
