import { badField } from '../http/bad-field.js';

/** Host names as the agent sends them: letters, digits, `.`, `_`, `-`, at most 253. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function checkNodeName(node: string): string {
  if (!NODE_NAME.test(node))
    throw badField('node', 'letters, digits, . _ - only, at most 253 characters');
  return node;
}
