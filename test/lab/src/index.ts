export * from './kernels.js';
export * from './scenarios.js';
export * from './run-script.js';
export * from './lab.js';
export * from './verify.js';
export * from './triage.js';
export * from './prepare.js';
export { guestChecks, kdlabLines, splitKernels } from './console.js';
