#!/usr/bin/env node
import { ConfigError } from './config/environment.js';

/**
 * kdumpfleet-collector [serve]. Subcommands are dispatched here so later ones (e.g. `worker`)
 * reuse the same configuration and context without touching `serve`.
 */
const commands: Record<string, () => Promise<void>> = {
  serve: async () => (await import('./serve.js')).serve(),
  worker: async () => (await import('./analysis/worker-main.js')).runWorker(),
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'serve';
  const command = commands[name];
  if (!command) {
    process.stderr.write(
      `kdumpfleet-collector: unknown command '${name}' (known: ${Object.keys(commands).join(', ')})\n`,
    );
    process.exit(2);
  }
  await command();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`kdumpfleet-collector: configuration error: ${err.message}\n`);
  } else {
    const e = err as { code?: string; message?: string };
    process.stderr.write(
      `kdumpfleet-collector: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`,
    );
  }
  process.exit(2);
});
