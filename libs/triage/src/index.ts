export { triageVmcore, triageVmcoreDetailed } from './triage-vmcore.js';
export type { TriageOptions, TriageOutcome } from './triage-vmcore.js';
export { triageKernelLog } from './oops-section.js';
export type { LogTriage } from './oops-section.js';
export { isoSeconds } from './crash-time.js';
