import { UsageError } from '../command.js';

/** Runs node:util parseArgs (or any option parsing) and turns its errors into one-line UsageErrors (exit 2). */
export function asUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? String(err));
  }
}
