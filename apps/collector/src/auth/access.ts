import type { UserAuthority } from '../users/auth/user-authority.js';
import { BearerTokenSet } from './bearer-tokens.js';

/** Who a request is: an admin (reads, deletes), an uploader (tus endpoint), or nobody. */
export type Role = 'admin' | 'uploader' | null;

export class AccessTokens {
  private readonly admin: BearerTokenSet;
  private readonly upload: BearerTokenSet;
  /** Enrolled node tokens and portal sessions (src/users), attached by UsersModule at start. */
  users: UserAuthority | null = null;

  constructor(uploadTokens: readonly string[], adminToken: string) {
    this.admin = new BearerTokenSet([adminToken]);
    this.upload = new BearerTokenSet(uploadTokens);
  }

  roleOf(token: string | null): Role {
    if (this.admin.matches(token)) return 'admin';
    if (this.upload.matches(token)) return 'uploader';
    return null;
  }
}
