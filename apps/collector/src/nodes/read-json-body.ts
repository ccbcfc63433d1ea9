import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The collector runs without Nest's body parser (tus needs raw PATCH bodies), so JSON bodies of
 * this module are read here, with a size limit: a huge or endless body is refused (413) instead
 * of filling memory.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type))
    throw new BadRequestException('body: Content-Type must be application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes)
    throw new PayloadTooLargeException(`body: larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      // Not destroyed: Node drains or closes the rest after the 413 is sent.
      throw new PayloadTooLargeException(`body: larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new BadRequestException(`body: invalid JSON: ${(err as Error).message}`);
  }
}
