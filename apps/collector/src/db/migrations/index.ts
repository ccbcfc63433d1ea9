import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-dumps-and-uploads.js';
import * as m0100 from './0100-analysis.js';
import * as m0200 from './0200-nodes.js';
import * as m0300 from './0300-users.js';
import * as m0400 from './0400-heartbeats.js';
import * as m0500 from './0500-login-throttle.js';

/** Migrations are compiled TS modules listed here (no directory scanning at run time). */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-dumps-and-uploads': m0001,
      '0100-analysis': m0100,
      '0200-nodes': m0200,
      '0300-users': m0300,
      '0400-heartbeats': m0400,
      '0500-login-throttle': m0500,
    };
  },
};
