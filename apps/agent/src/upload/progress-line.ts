/** A one-line progress bar on a TTY (stderr), nothing otherwise. */
export function progressLine(enabled: boolean, label: string) {
  let last = 0;
  return {
    update(done: number, total: number): void {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct.toFixed(1).padStart(5)}% ${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB`,
      );
    },
    end(): void {
      if (enabled) process.stderr.write('\n');
    },
  };
}
