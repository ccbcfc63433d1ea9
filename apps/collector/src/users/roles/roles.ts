/**
 * Portal roles, weakest first. `viewer`: summaries only (fleet, buckets, dump summaries);
 * `engineer`: also dump and result downloads, browser uploads, re-analysis; `admin`: also users,
 * enrollment and node tokens, deletes, the download audit.
 */
export const USER_ROLES = ['viewer', 'engineer', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export function isUserRole(x: unknown): x is UserRole {
  return typeof x === 'string' && (USER_ROLES as readonly string[]).includes(x);
}

/** Whether `role` is at least `needed`. */
export function roleSatisfies(role: UserRole, needed: UserRole): boolean {
  return USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(needed);
}
