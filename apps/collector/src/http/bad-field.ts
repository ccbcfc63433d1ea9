import { BadRequestException } from '@nestjs/common';

/**
 * The collector's one shape of 400: `{ statusCode, error, message: "<field>: <why>", field }`,
 * so clients (the agent, the portal) can point at the field at fault.
 */
export function badField(field: string, message: string): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: `${field}: ${message}`,
    field,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are UUIDs; anything else is refused before it reaches a query or a path. */
export function checkUuid(id: string, field = 'id'): void {
  if (!UUID.test(id)) throw badField(field, 'must be a UUID');
}
