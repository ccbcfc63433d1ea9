import { parseArgs } from 'node:util';
import { EXIT_ERROR, EXIT_OK, UsageError, type AgentCommand } from '../command.js';
import { loadAgentConfig, requireCollector } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { uploadPending } from '../upload/upload-pending.js';

const HELP = `usage: kdumpfleet upload [--all | PATH...] [--delete-after-upload] [--json]

Uploads complete crash dumps to the collector: each is compressed into seekable zstd (a spool
file under <stateDir>/spool, hashed with sha256 as it is written), then sent with tus, resumably:
a killed agent or a reboot continues where the collector's offset says. A dump is marked
uploaded only when the collector answers with a dump record for the declared sha256; it is
deleted only with --delete-after-upload (or agent.json deleteAfterUpload). Incomplete and
invalid dumps are listed and never uploaded.

  --all                  every complete dump in the dump directories (the default)
  PATH                   a stamp directory or dump file
  --delete-after-upload  delete each dump's directory once the collector confirmed it
  --json                 print the outcome as JSON

exit: 0 every chosen dump is at the collector, 2 an upload failed (the dump is kept)`;

export const command: AgentCommand = {
  summary: 'upload crash dumps to the collector (seekable zstd, resumable tus)',
  async run(argv) {
    const { values, positionals } = asUsageError(() =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          all: { type: 'boolean', default: false },
          'delete-after-upload': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    if (values.all && positionals.length) throw new UsageError('give --all or paths, not both');
    const config = loadAgentConfig();
    const { url, token } = requireCollector(config);
    const out = await uploadPending(config, {
      collectorUrl: url,
      token,
      deleteAfterUpload: values['delete-after-upload'] || config.deleteAfterUpload,
      only: positionals.length ? positionals : undefined,
      progress: process.stderr.isTTY === true && !values.json,
    });
    if (values.json) console.log(JSON.stringify(out, null, 2));
    else {
      for (const u of out.uploaded)
        console.log(
          `uploaded ${u.file} → dump ${u.dumpId} (${u.sourceBytes} → ${u.uploadedBytes} bytes, sha256 ${u.sha256}${u.resumedFrom > 0 ? `, resumed at ${u.resumedFrom}` : ''}${u.deleted ? ', deleted locally' : ''})`,
        );
      for (const n of out.notUploadable)
        console.log(`not uploaded ${n.path}: ${n.state}: ${n.reason}`);
      if (out.uploaded.length === 0 && out.failed.length === 0)
        console.log(`nothing to upload (${out.alreadyUploaded} already uploaded)`);
      for (const f of out.failed) console.error(`kdumpfleet upload: ${f.error} (dump kept)`);
    }
    return out.failed.length ? EXIT_ERROR : EXIT_OK;
  },
};
