import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, whenUnauthorized } from './api/client.js';
import type { SessionInfo } from './api/types.js';
import { navigate, onLinkClick, usePath } from './router.js';
import { AdminScreen } from './screens/admin.js';
import { BucketScreen } from './screens/bucket.js';
import { CrashesScreen } from './screens/crashes.js';
import { DumpScreen } from './screens/dump.js';
import { FleetScreen } from './screens/fleet.js';
import { LoginScreen } from './screens/login.js';
import { UploadScreen } from './screens/upload.js';

function Screen({ path, session }: { path: string; session: SessionInfo }) {
  const role = session.user.role;
  let m: RegExpExecArray | null;
  if (path === '/' || path === '/fleet') return <FleetScreen />;
  if (path === '/crashes') return <CrashesScreen />;
  if ((m = /^\/buckets\/([0-9a-f-]{36})$/i.exec(path))) return <BucketScreen id={m[1]!} />;
  if ((m = /^\/dumps\/([0-9a-f-]{36})$/i.exec(path))) return <DumpScreen id={m[1]!} role={role} />;
  if (path === '/upload') return <UploadScreen role={role} />;
  if (path === '/admin' && role === 'admin') return <AdminScreen self={session.user.id} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <a href="/">Fleet</a>
      </p>
    </section>
  );
}

const NAV = [
  { href: '/', label: 'Fleet', match: (p: string) => p === '/' || p === '/fleet' },
  {
    href: '/crashes',
    label: 'Crashes',
    match: (p: string) => /^\/(crashes|buckets|dumps)/.test(p),
  },
  { href: '/upload', label: 'Upload', match: (p: string) => p === '/upload' },
];

export function App() {
  const path = usePath();
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized(() => setSession(null));
    api<SessionInfo>('/api/v1/session').then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      () => setSession(null),
    );
  }, []);

  if (session === undefined) return <div class="boot">Loading…</div>;
  if (session === null)
    return (
      <LoginScreen
        onSignedIn={(s) => {
          setCsrfToken(s.csrfToken);
          setSession(s);
        }}
      />
    );

  const logout = async () => {
    try {
      await api('/api/v1/session/logout', { method: 'POST' });
    } finally {
      setCsrfToken('');
      setSession(null);
      navigate('/');
    }
  };

  const role = session.user.role;
  const nav = [
    ...NAV.filter((n) => n.href !== '/upload' || role !== 'viewer'),
    ...(role === 'admin'
      ? [{ href: '/admin', label: 'Admin', match: (p: string) => p === '/admin' }]
      : []),
  ];
  return (
    <div class="shell" onClick={onLinkClick}>
      <header class="top">
        <a class="brand" href="/">
          kdumpfleet
        </a>
        <nav>
          {nav.map((n) => (
            <a href={n.href} class={n.match(path) ? 'active' : ''}>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span data-testid="whoami">
            {session.user.username}{' '}
            <span class={`role role-${session.user.role}`}>{session.user.role}</span>
          </span>
          <button type="button" class="link" onClick={logout} data-testid="logout">
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Screen path={path} session={session} />
      </main>
    </div>
  );
}
