/** Bad `crashkernel=` text: `offset` is the character index in the value where parsing stopped. */
export class CrashkernelSyntaxError extends Error {
  readonly code = 'CRASHKERNEL_SYNTAX';
  constructor(
    message: string,
    readonly value: string,
    readonly offset: number,
  ) {
    super(`crashkernel=${value}: ${message} (at character ${offset})`);
    this.name = 'CrashkernelSyntaxError';
  }
}

/** A sysroot that cannot be read at all (not a directory, permission denied on its top). */
export class SysrootError extends Error {
  readonly code = 'SYSROOT';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'SysrootError';
  }
}

/** A size like `256M` that is not one. */
export class SizeSyntaxError extends Error {
  readonly code = 'SIZE_SYNTAX';
  constructor(readonly value: string) {
    super(`'${value}' is not a size (expected e.g. 256M, 1G, 0x10000000)`);
    this.name = 'SizeSyntaxError';
  }
}
