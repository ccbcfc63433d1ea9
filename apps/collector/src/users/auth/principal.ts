import type { PortalUser } from '../db/users.repository.js';
import type { UserRole } from '../roles/roles.js';

/** Who made a request, as far as roles and the audit are concerned. */
export type Principal =
  | { kind: 'token'; actor: 'token:admin' | 'token:upload'; role: 'admin' | 'uploader' }
  | { kind: 'node'; actor: string; role: 'uploader'; node: string; tokenId: string }
  | {
      kind: 'user';
      actor: string;
      role: UserRole;
      user: PortalUser;
      sessionId: string;
      csrfToken: string;
    };
