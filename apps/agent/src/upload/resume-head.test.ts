import { describe, expect, it } from 'vitest';
import { headVerdict, ResumeHeadFailed } from './resume-head.js';

describe('headVerdict', () => {
  it('only 404/410 give a known upload up; 5xx, 423, 429 and no answer retry it', () => {
    expect([200, 204].map(headVerdict)).toEqual(['ok', 'ok']);
    expect([404, 410].map(headVerdict)).toEqual(['gone', 'gone']);
    expect([0, 500, 502, 503, 504, 423, 429].map(headVerdict)).toEqual(Array(7).fill('retry'));
    expect([400, 401, 403, 460].map(headVerdict)).toEqual(Array(4).fill('fatal'));
  });

  it('ResumeHeadFailed is retryable exactly for the retry verdicts', () => {
    expect(new ResumeHeadFailed(502, '').retryable).toBe(true);
    expect(new ResumeHeadFailed(0, '').retryable).toBe(true);
    expect(new ResumeHeadFailed(401, '').retryable).toBe(false);
  });
});
