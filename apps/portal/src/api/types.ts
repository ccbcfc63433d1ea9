// Wire shapes. The collector's own contracts where they exist (type-only: nothing of zod ships);
// the nodes and users endpoints are typed here as their controllers answer.
export type {
  Bucket,
  BucketDetail,
  CrashSummary,
  DumpAnalysis,
  DumpList,
  DumpRecord,
  ReadinessFinding,
  ReadinessReport,
  TriageFrame,
  TriageResult,
} from '@kdumpfleet/contracts';

export type Role = 'viewer' | 'engineer' | 'admin';

export interface SessionInfo {
  user: { id: string; username: string; role: Role };
  csrfToken: string;
}

/** GET /api/v1/nodes → { nodes, staleAfterSeconds } */
export interface NodeSummary {
  node: string;
  ready: boolean;
  verdict: string;
  findingsCount: number;
  errors: number;
  warnings: number;
  kernelRelease: string | null;
  lastReportAt: string;
  snapshotAt: string;
  stale: boolean;
  reports: number;
}

/** What the collector concludes from `kdumpfleet watch` heartbeats (GET /api/v1/nodes). */
export interface Liveness {
  state: 'alive' | 'undead' | 'dead' | 'unknown';
  /** alive/undead: first heartbeat of this spell; dead: the last heartbeat. */
  since: string | null;
  lastHeartbeatAt: string | null;
  stuck: string[];
  evidence: { probe: string; stuckAt: string | null; evidence: string[] }[];
  lastVerdict?: 'alive' | 'undead' | null;
  deadAt?: string | null;
  action?: {
    mode: 'report' | 'crash';
    state: 'off' | 'armed' | 'refused' | 'fired';
    detail: string;
    reasons: string[];
    crashAfterSeconds: number | null;
  } | null;
}

export interface Drill {
  id: string;
  node: string;
  scenario: string;
  state: 'pending' | 'passed' | 'failed';
  createdAt: string;
  deadlineAt: string;
  dumpId: string | null;
  finishedAt: string | null;
}

export interface PortalUser {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface EnrollmentTokenInfo {
  id: string;
  label: string;
  maxUses: number;
  uses: number;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  usable: boolean;
}

export interface NodeTokenInfo {
  id: string;
  node: string;
  enrollmentTokenId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface DownloadAuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  dumpId: string;
  item: string;
  range: string | null;
  status: number;
  bytes: number | null;
}

export function canDownload(role: Role): boolean {
  return role === 'engineer' || role === 'admin';
}
