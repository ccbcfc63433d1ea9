/** Nest injection tokens of the heartbeat part of the nodes module. */
export const HEARTBEAT_CONFIG = Symbol('HEARTBEAT_CONFIG');
export const NODE_HEARTBEATS = Symbol('NODE_HEARTBEATS');
