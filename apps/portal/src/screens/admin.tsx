import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type {
  DownloadAuditEntry,
  EnrollmentTokenInfo,
  NodeTokenInfo,
  PortalUser,
  Role,
} from '../api/types.js';
import { ago, bytes, when } from '../format.js';
import { useFetch } from '../use-fetch.js';

function Users({ self }: { self: string }) {
  const users = useFetch('users', () => api<{ items: PortalUser[] }>('/api/v1/users'));
  const [form, setForm] = useState({ username: '', password: '', role: 'engineer' as Role });
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      users.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="card">
      <h2>Users</h2>
      {error && <p class="error">{error}</p>}
      <table class="grid" data-testid="users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>State</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users.data?.items ?? []).map((u) => (
            <tr>
              <td>
                {u.username}
                {u.id === self && <span class="muted"> (you)</span>}
              </td>
              <td>
                <select
                  value={u.role}
                  aria-label={`role of ${u.username}`}
                  onChange={(e) =>
                    act(() =>
                      api(`/api/v1/users/${u.id}`, {
                        method: 'PATCH',
                        body: { role: e.currentTarget.value },
                      }),
                    )
                  }
                >
                  <option value="viewer">viewer</option>
                  <option value="engineer">engineer</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>{u.disabled ? <span class="badge not-ready">disabled</span> : 'active'}</td>
              <td>{when(u.createdAt)}</td>
              <td class="actions">
                <div>
                  <button
                    type="button"
                    class="secondary small"
                    onClick={() =>
                      act(() =>
                        api(`/api/v1/users/${u.id}`, {
                          method: 'PATCH',
                          body: { disabled: !u.disabled },
                        }),
                      )
                    }
                  >
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>
                  {u.id !== self && (
                    <button
                      type="button"
                      class="danger small"
                      onClick={() =>
                        confirm(`Delete ${u.username}?`) &&
                        act(() => api(`/api/v1/users/${u.id}`, { method: 'DELETE' }))
                      }
                    >
                      Delete
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await api('/api/v1/users', { method: 'POST', body: form });
            setForm({ username: '', password: '', role: 'engineer' });
          });
        }}
      >
        <label>
          User name
          <input
            value={form.username}
            required
            onInput={(e) => setForm({ ...form, username: e.currentTarget.value })}
          />
        </label>
        <label>
          Password (≥ 10 characters)
          <input
            type="password"
            autocomplete="new-password"
            value={form.password}
            required
            minLength={10}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
        </label>
        <label>
          Role
          <select
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}
          >
            <option value="viewer">viewer — summaries only</option>
            <option value="engineer">engineer — view, upload, download</option>
            <option value="admin">admin — users, node tokens, delete</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
    </div>
  );
}

function NodeEnrollment() {
  const tokens = useFetch('enrollment', () =>
    api<{ items: EnrollmentTokenInfo[] }>('/api/v1/enrollment-tokens'),
  );
  const nodes = useFetch('node-tokens', () =>
    api<{ items: NodeTokenInfo[] }>('/api/v1/node-tokens'),
  );
  const [label, setLabel] = useState('');
  const [maxUses, setMaxUses] = useState(1);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      tokens.reload();
      nodes.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="card">
      <h2>Node enrollment</h2>
      <p class="muted small">
        An enrollment token lets hosts run <code>kdumpfleet enroll</code> once each; every host gets
        its own upload token (stored hashed, revocable below).
      </p>
      {error && <p class="error">{error}</p>}
      <form
        class="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const t = await api<{ token: string }>('/api/v1/enrollment-tokens', {
              method: 'POST',
              body: { label, maxUses },
            });
            setCreated(t.token);
            setLabel('');
          });
        }}
      >
        <label>
          Label
          <input
            value={label}
            required
            placeholder="rack 12 rollout"
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </label>
        <label>
          Hosts that may use it
          <input
            type="number"
            min={1}
            max={100000}
            value={maxUses}
            onInput={(e) => setMaxUses(Number(e.currentTarget.value) || 1)}
          />
        </label>
        <button type="submit">Create enrollment token</button>
      </form>
      {created && (
        <div class="notice" data-testid="new-enrollment-token">
          <strong>Shown once — copy it now.</strong>
          <pre>
            kdumpfleet enroll --collector {location.origin} --token {created}
          </pre>
        </div>
      )}
      <h3>Enrollment tokens</h3>
      <table class="grid">
        <thead>
          <tr>
            <th>Label</th>
            <th>Uses</th>
            <th>Expires</th>
            <th>By</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(tokens.data?.items ?? []).map((t) => (
            <tr>
              <td>{t.label}</td>
              <td>
                {t.uses} / {t.maxUses}
              </td>
              <td>
                {t.revokedAt ? 'revoked' : t.usable ? when(t.expiresAt) : 'used up / expired'}
              </td>
              <td>{t.createdBy}</td>
              <td>
                {t.usable && (
                  <button
                    type="button"
                    class="danger small"
                    onClick={() =>
                      act(() => api(`/api/v1/enrollment-tokens/${t.id}`, { method: 'DELETE' }))
                    }
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Node upload tokens</h3>
      <table class="grid">
        <thead>
          <tr>
            <th>Node</th>
            <th>Enrolled</th>
            <th>Last used</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(nodes.data?.items ?? []).map((t) => (
            <tr>
              <td>{t.node}</td>
              <td>{when(t.createdAt)}</td>
              <td>{ago(t.lastUsedAt)}</td>
              <td>{t.revokedAt ? <span class="badge not-ready">revoked</span> : 'active'}</td>
              <td>
                {!t.revokedAt && (
                  <button
                    type="button"
                    class="danger small"
                    onClick={() =>
                      act(() => api(`/api/v1/node-tokens/${t.id}`, { method: 'DELETE' }))
                    }
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Audit() {
  const audit = useFetch('audit', () =>
    api<{ items: DownloadAuditEntry[] }>('/api/v1/audit/downloads?limit=50'),
  );
  return (
    <div class="card">
      <h2>Download audit</h2>
      <table class="grid" data-testid="audit">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Dump</th>
            <th>What</th>
            <th class="num">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {(audit.data?.items ?? []).map((e) => (
            <tr>
              <td>{when(e.at)}</td>
              <td>
                {e.actor} <span class="muted">({e.role})</span>
              </td>
              <td>
                <a href={`/dumps/${e.dumpId}`}>{e.dumpId.slice(0, 8)}</a>
              </td>
              <td>
                {e.item}
                {e.range && <span class="muted"> {e.range}</span>}
              </td>
              <td class="num">{bytes(e.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AdminScreen({ self }: { self: string }) {
  return (
    <section class="admin">
      <h1>Administration</h1>
      <Users self={self} />
      <NodeEnrollment />
      <Audit />
    </section>
  );
}
