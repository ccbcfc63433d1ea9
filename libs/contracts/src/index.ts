export * from './config.js';
export * from './uploads.js';
export * from './dumps.js';
export * from './readiness.js';
export * from './triage.js';
export * from './analysis.js';
export * from './watch.js';
