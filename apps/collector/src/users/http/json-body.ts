import { HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { badField } from '../../http/bad-field.js';

const LIMIT = 16 * 1024;

/**
 * Reads a small JSON body and validates it. The collector runs without body parsers (the tus
 * PATCH stream must reach the store untouched), so the few JSON endpoints read their own.
 */
export async function readJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
): Promise<z.infer<S>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw badField('content-type', 'must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT)
      throw new HttpException(
        { statusCode: 413, error: 'Payload Too Large', message: `body over ${LIMIT} bytes` },
        413,
      );
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badField('body', 'is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badField(issue.path.map(String).join('.') || 'body', issue.message);
  }
  return parsed.data as z.infer<S>;
}
