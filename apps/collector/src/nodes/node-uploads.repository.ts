import type { NodesDb } from './nodes-schema.js';

/**
 * Which dump record a node's tus upload became. An agent killed after its last PATCH reached
 * the collector but before it wrote down the `Dump-Id` answer finds its upload gone (404, the
 * collector removes finished uploads); asking here instead of uploading again keeps it at
 * exactly one record per dump.
 */
export class NodeUploadsRepository {
  constructor(private readonly db: NodesDb) {}

  async dumpOfUpload(node: string, uploadId: string) {
    return this.db
      .selectFrom('dumps')
      .select(['id', 'upload_id', 'sha256', 'state'])
      .where('node', '=', node)
      .where('upload_id', '=', uploadId)
      .executeTakeFirst();
  }
}
