import { describe, expect, it } from 'vitest';
import { requiredRole, ROUTE_POLICY } from './route-policy.js';
import { roleSatisfies, USER_ROLES } from './roles.js';

describe('route policy', () => {
  it('orders roles viewer < engineer < admin', () => {
    expect(roleSatisfies('admin', 'viewer')).toBe(true);
    expect(roleSatisfies('engineer', 'engineer')).toBe(true);
    expect(roleSatisfies('viewer', 'engineer')).toBe(false);
    expect(roleSatisfies('engineer', 'admin')).toBe(false);
    expect(USER_ROLES).toEqual(['viewer', 'engineer', 'admin']);
  });

  it('keeps dump bytes and tool output from viewers, summaries open to them', () => {
    expect(requiredRole('GET', '/api/v1/dumps/:id/file')).toBe('engineer');
    expect(requiredRole('HEAD', '/api/v1/dumps/:id/file')).toBe('engineer');
    expect(requiredRole('GET', '/api/v1/dumps/:id/results/:name', { name: 'dmesg.txt' })).toBe(
      'engineer',
    );
    expect(requiredRole('GET', '/api/v1/dumps/:id/results/:name', { name: 'triage.json' })).toBe(
      'viewer',
    );
    expect(requiredRole('GET', '/api/v1/buckets')).toBe('viewer');
    expect(requiredRole('DELETE', '/api/v1/dumps/:id')).toBe('admin');
  });

  it('fails closed: an unknown route or method needs admin', () => {
    expect(requiredRole('GET', '/api/v1/something-new')).toBe('admin');
    expect(requiredRole('PUT', '/api/v1/buckets')).toBe('admin');
  });

  it('every key is METHOD + an /api/v1 path', () => {
    for (const key of Object.keys(ROUTE_POLICY))
      expect(key).toMatch(/^(GET|HEAD|POST|PUT|PATCH|DELETE|SEARCH) \/api\/v1\/[a-z0-9/:_-]+$/i);
  });
});
