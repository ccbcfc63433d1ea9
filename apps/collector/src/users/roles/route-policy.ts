import type { UserRole } from './roles.js';

/**
 * The least role a signed-in user needs for each API route, keyed `METHOD /path/:param` exactly as
 * Express reports the matched route. One table, so a review (and the route × role test) sees
 * every decision in one place. A route missing here is admin-only: new endpoints fail closed.
 *
 * Bearer tokens keep their own rules (auth/guards.ts): the admin token may do everything, upload
 * and node tokens only the tus endpoint and readiness reports.
 */
export type RoutePolicy = UserRole | ((params: Record<string, string>) => UserRole);

/** Results a viewer may read: summaries, not the log or tool output of the dump. */
const SUMMARY_RESULTS = new Set(['triage.json', 'summary.json']);

export const ROUTE_POLICY: Readonly<Record<string, RoutePolicy>> = {
  // dumps (collector core)
  'GET /api/v1/dumps': 'viewer',
  'GET /api/v1/dumps/:id': 'viewer',
  'GET /api/v1/dumps/:id/file': 'engineer',
  'DELETE /api/v1/dumps/:id': 'admin',
  // analysis
  'POST /api/v1/dumps/:id/analyze': 'engineer',
  'GET /api/v1/dumps/:id/analysis': 'viewer',
  'GET /api/v1/dumps/:id/results': 'viewer',
  'GET /api/v1/dumps/:id/results/:name': (p) =>
    SUMMARY_RESULTS.has(p.name ?? '') ? 'viewer' : 'engineer',
  'GET /api/v1/buckets': 'viewer',
  'GET /api/v1/buckets/:id': 'viewer',
  // node readiness
  'GET /api/v1/nodes': 'viewer',
  'GET /api/v1/nodes/:node': 'viewer',
  'POST /api/v1/nodes/:node/readiness': 'admin',
  'POST /api/v1/nodes/:node/report': 'admin',
  'POST /api/v1/nodes/:node/heartbeat': 'admin',
  'GET /api/v1/nodes/:node/uploads/:uploadId': 'engineer',
  'GET /api/v1/nodes/:node/drills': 'viewer',
  'POST /api/v1/nodes/:node/drills': 'admin',
  // tus (browser upload)
  'POST /api/v1/uploads': 'engineer',
  // the creation route is @All: other methods reach tus too, which answers them 4xx
  'GET /api/v1/uploads': 'engineer',
  'HEAD /api/v1/uploads': 'engineer',
  'PUT /api/v1/uploads': 'engineer',
  'PATCH /api/v1/uploads': 'engineer',
  'DELETE /api/v1/uploads': 'engineer',
  'SEARCH /api/v1/uploads': 'engineer',
  'HEAD /api/v1/uploads/:uploadId': 'engineer',
  'PATCH /api/v1/uploads/:uploadId': 'engineer',
  'DELETE /api/v1/uploads/:uploadId': 'engineer',
  'GET /api/v1/uploads/:uploadId': 'engineer',
  // users module (this folder)
  'GET /api/v1/dumps/:id/ticket': 'viewer',
  'PUT /api/v1/dumps/:id/ticket': 'engineer',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/:id': 'admin',
  'DELETE /api/v1/users/:id': 'admin',
  'GET /api/v1/enrollment-tokens': 'admin',
  'POST /api/v1/enrollment-tokens': 'admin',
  'DELETE /api/v1/enrollment-tokens/:id': 'admin',
  'GET /api/v1/node-tokens': 'admin',
  'DELETE /api/v1/node-tokens/:id': 'admin',
  'GET /api/v1/audit/downloads': 'admin',
};

/** The least role for `method` on the matched route pattern; unknown routes need admin. */
export function requiredRole(
  method: string,
  routePath: string,
  params: Record<string, string> = {},
): UserRole {
  const m = method.toUpperCase();
  // Express answers HEAD with the GET handler: same rule unless HEAD has its own.
  const policy =
    ROUTE_POLICY[`${m} ${routePath}`] ??
    (m === 'HEAD' ? ROUTE_POLICY[`GET ${routePath}`] : undefined);
  if (policy === undefined) return 'admin';
  return typeof policy === 'function' ? policy(params) : policy;
}
