/** Anything that reads physical memory of the dumped machine (a DumpFormat, or a test double). */
export interface PhysicalMemory {
  readonly pageSize: number;
  /** throws PageNotPresentError when a page of the range is not in the dump */
  readPhysical(paddr: bigint, length: number): Promise<Uint8Array>;
}
