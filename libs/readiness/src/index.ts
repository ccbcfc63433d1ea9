export * from './errors.js';
export * from './crashkernel/size.js';
export * from './crashkernel/parse.js';
export * from './crashkernel/sizing.js';
export * from './procfs/cmdline.js';
export * from './procfs/iomem.js';
export * from './procfs/meminfo.js';
export * from './procfs/mounts.js';
export * from './kdump-config/kdump-config.js';
export * from './kdump-config/shell-vars.js';
export * from './kdump-config/dump-level.js';
export { readDebianConfig, DEBIAN_CONFIG } from './kdump-config/debian.js';
export { readRhelConfig, RHEL_CONFIG, RHEL_SYSCONFIG } from './kdump-config/rhel.js';
export { readSuseConfig, SUSE_SYSCONFIG } from './kdump-config/suse.js';
export { readKdumpfleetConfig, KDUMPFLEET_CONFIG } from './kdump-config/kdumpfleet.js';
export * from './snapshot/field.js';
export * from './snapshot/host-snapshot.js';
export {
  readHostSnapshot,
  parseToolVersion,
  type ReadHostSnapshotOptions,
} from './snapshot/read-host-snapshot.js';
export { Sysroot } from './sysroot/sysroot.js';
export * from './rules/rule.js';
export { RULES } from './rules/table.js';
export { deriveHostFacts, type HostFacts } from './rules/host-facts.js';
export { makedumpfileLatestKernel, compareVersions } from './rules/tools.js';
export * from './report/dump-size.js';
export { evaluateReadiness } from './report/evaluate.js';
