import { BadRequestException } from '@nestjs/common';

/** Host names as the agent sends them: letters, digits, `.`, `_`, `-`, at most 253. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function checkNodeName(node: string): string {
  if (!NODE_NAME.test(node))
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'node: letters, digits, . _ - only, at most 253 characters',
      field: 'node',
    });
  return node;
}
