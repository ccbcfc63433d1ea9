/** Nest injection tokens for values built before the module (config, database, stores…). */
export const CONFIG = Symbol('CollectorConfig');
export const DATABASE = Symbol('CollectorDb');
export const OBJECT_STORE = Symbol('ObjectStore');
export const ACCESS_TOKENS = Symbol('AccessTokens');
export const TUS_SERVER = Symbol('TusServer');
export const DUMPS_REPOSITORY = Symbol('DumpsRepository');
export const INGEST = Symbol('DumpIngest');
export const METRICS = Symbol('CollectorMetrics');
export const ROOT_LOGGER = Symbol('RootLogger');
