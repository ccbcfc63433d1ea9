export { DebuginfoFinder } from './find-debuginfo.js';
export type { DebuginfoQuery, DebuginfoSources, FoundDebuginfo } from './find-debuginfo.js';
export { DebuginfoCache, type CacheEntry } from './cache/debuginfo-cache.js';
export { DebuginfodClient, parseDebuginfodUrls } from './debuginfod/debuginfod-client.js';
export type { DebuginfodOptions, DebuginfodHit } from './debuginfod/debuginfod-client.js';
export {
  parseDebuginfoDirs,
  buildIdCandidates,
  releaseCandidates,
} from './locate/debuginfo-dirs.js';
export { readElfBuildId, buildIdFromNotes } from './elf/elf-build-id.js';
export {
  DebuginfoError,
  DebuginfoNotFoundError,
  normalizeBuildId,
  type DebuginfoErrorCode,
} from './errors.js';
