#!/usr/bin/env node
// The `kdumpfleet` CLI. Each subcommand lives in `commands/<name>.ts` and exports
// `command: AgentCommand`; the dispatcher loads only the one asked for, so `triage` does not pay
// for loading the uploader and vice versa.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentCommand } from './command.js';
import { EXIT_ERROR, UsageError } from './command.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function availableCommands(): string[] {
  if (!existsSync(commandsDir)) return [];
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<AgentCommand | null> {
  if (!/^[a-z][a-z-]*$/.test(name) || !availableCommands().includes(name)) return null;
  const mod = (await import(`./commands/${name}.js`)) as { command: AgentCommand };
  return mod.command;
}

async function usage(): Promise<string> {
  const lines = ['usage: kdumpfleet <command> [options]', '', 'commands:'];
  for (const name of availableCommands()) {
    const c = await load(name);
    if (c) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  }
  lines.push('', "Run 'kdumpfleet <command> --help' for a command's options.");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : EXIT_ERROR;
  }
  const command = await load(name);
  if (!command) {
    console.error(`kdumpfleet: unknown command '${name}'\n${await usage()}`);
    return EXIT_ERROR;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad input reaches the user as one line; only a bug prints a stack (KDUMPFLEET_DEBUG=1).
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) console.error(`kdumpfleet: ${message}`);
    else if (process.env.KDUMPFLEET_DEBUG) console.error(err);
    else console.error(`kdumpfleet: ${message}`);
    process.exitCode = EXIT_ERROR;
  },
);
