/** Exit codes shared by every subcommand (ARCHITECTURE.md): 0 ok, 1 "the answer is no", 2 error. */
export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_ERROR = 2;

export interface AgentCommand {
  /** One line for `kdumpfleet --help`. */
  readonly summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Wrong flags or arguments: printed as one line, exit 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}
