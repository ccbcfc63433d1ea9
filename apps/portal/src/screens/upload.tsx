import Uppy, { type Meta, type UppyFile } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus, { type TusBody } from '@uppy/tus';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, getCsrfToken } from '../api/client.js';
import { canDownload, type Role } from '../api/types.js';
import { encodingOf, sha256OfFile } from '../upload/sha256-of-file.js';

const NODE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

interface DumpMeta extends Meta {
  filename?: string;
  node?: string;
  sha256?: string;
  encoding?: 'none' | 'zstd';
  ticket?: string;
}

interface Done {
  file: string;
  dumpId: string | null;
  state: string | null;
}

/**
 * A support engineer uploads a customer's vmcore: Uppy's Dashboard with @uppy/tus to the
 * collector's own tus endpoint (resumable: pause/resume, retries, and a re-added file continues
 * where it stopped). Before the upload starts, the file is hashed in the browser because the
 * collector verifies every byte against the sha256 declared in Upload-Metadata.
 */
export function UploadScreen({ role }: { role: Role }) {
  const target = useRef<HTMLDivElement>(null);
  const uppyRef = useRef<Uppy<DumpMeta, TusBody> | null>(null);
  const [node, setNode] = useState('');
  const [ticket, setTicket] = useState('');
  const [hashing, setHashing] = useState<string | null>(null);
  const [done, setDone] = useState<Done[]>([]);
  const fields = useRef({ node: '', ticket: '' });
  fields.current = { node, ticket };

  useEffect(() => {
    if (!canDownload(role) || !target.current) return;
    const uppy = new Uppy<DumpMeta, TusBody>({
      autoProceed: false,
      restrictions: { maxNumberOfFiles: 5 },
      onBeforeUpload: (files) => {
        const n = fields.current.node.trim();
        if (!NODE.test(n)) {
          uppy.info('Enter the node (host name) the dump comes from first', 'error', 5000);
          return false;
        }
        const t = fields.current.ticket.trim();
        for (const f of Object.values(files)) {
          uppy.setFileMeta(f.id, { node: n, ticket: t, filename: f.name ?? 'vmcore' });
        }
        return true;
      },
    });
    // The sha256 must be known before the tus POST: hash each file first (progress shown).
    uppy.addPreProcessor(async (ids) => {
      for (const id of ids) {
        const f = uppy.getFile(id) as UppyFile<DumpMeta, TusBody>;
        if (f.meta.sha256 && /^[0-9a-f]{64}$/.test(f.meta.sha256)) continue;
        const data = f.data as Blob;
        const sha256 = await sha256OfFile(data, (done, total) => {
          uppy.emit('preprocess-progress', f, {
            mode: 'determinate',
            message: 'Computing sha256…',
            value: done / total,
          });
          setHashing(`${f.name}: sha256 ${Math.round((100 * done) / total)} %`);
        });
        uppy.setFileMeta(id, { sha256, encoding: await encodingOf(data) });
        uppy.emit('preprocess-complete', uppy.getFile(id));
      }
      setHashing(null);
    });
    uppy.use(Dashboard, {
      inline: true,
      target: target.current,
      height: 360,
      width: '100%',
      proudlyDisplayPoweredByUppy: false,
      note: 'vmcore, vmcore.flat, .elf or .zst — any size; uploads resume after interruptions',
    });
    uppy.use(Tus, {
      endpoint: '/api/v1/uploads',
      headers: () => ({ 'X-CSRF-Token': getCsrfToken() }),
      chunkSize: 32 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      allowedMetaFields: ['filename', 'node', 'sha256', 'encoding'],
      removeFingerprintOnSuccess: true,
    });
    uppy.on('upload-success', (file, response) => {
      const xhr = response?.body?.xhr;
      const dumpId = xhr?.getResponseHeader('Dump-Id') ?? null;
      const state = xhr?.getResponseHeader('Dump-State') ?? null;
      const t = file?.meta.ticket;
      if (dumpId && t)
        void api(`/api/v1/dumps/${dumpId}/ticket`, { method: 'PUT', body: { ticket: t } }).catch(
          () => {},
        );
      setDone((d) => [...d, { file: file?.name ?? 'file', dumpId, state }]);
    });
    uppyRef.current = uppy;
    return () => {
      uppy.destroy();
      uppyRef.current = null;
    };
  }, [role]);

  if (!canDownload(role))
    return (
      <section>
        <h1>Upload a dump</h1>
        <p class="muted">Uploads need the engineer role; you are {role}.</p>
      </section>
    );

  return (
    <section>
      <h1>Upload a dump</h1>
      <p class="muted">
        For a customer's vmcore that did not come through an agent. The file goes to the same
        resumable endpoint the agents use, is verified against its sha256, then triaged.
      </p>
      <div class="form-row">
        <label>
          Node (host name) *
          <input
            name="node"
            value={node}
            placeholder="web-17.customer.example"
            onInput={(e) => setNode(e.currentTarget.value)}
            class={node && !NODE.test(node.trim()) ? 'invalid' : ''}
            required
          />
        </label>
        <label>
          Ticket
          <input
            name="ticket"
            value={ticket}
            placeholder="SUP-1234"
            onInput={(e) => setTicket(e.currentTarget.value)}
          />
        </label>
      </div>
      {hashing && <p class="muted small">{hashing}</p>}
      <div ref={target} class="uppy-target" data-testid="uppy" />
      {done.length > 0 && (
        <ul class="uploaded" data-testid="uploaded">
          {done.map((d) => (
            <li>
              {d.file}:{' '}
              {d.dumpId ? (
                <>
                  verified ({d.state}) — <a href={`/dumps/${d.dumpId}`}>open the dump</a>
                </>
              ) : (
                'uploaded'
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
