/** Nest injection tokens of the nodes module. */
export const NODES_CONFIG = Symbol('NODES_CONFIG');
export const NODE_REPORTS = Symbol('NODE_REPORTS');
export const NODE_DRILLS = Symbol('NODE_DRILLS');
export const NODE_UPLOADS = Symbol('NODE_UPLOADS');
