import { join } from 'node:path';
import { FsObjectStore, S3ObjectStore } from '@kdumpfleet/storage';
import type { CollectorConfig } from '../config/environment.js';
import type { CollectorObjectStore } from './object-store.js';

/** ObjectStore chosen by STORAGE: DATA_DIR/objects on local disk, or the S3 bucket. */
export function createObjectStore(config: CollectorConfig): CollectorObjectStore {
  if (config.storage === 's3' && config.s3) {
    const s3 = config.s3;
    return new S3ObjectStore({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      region: s3.region,
      pingTimeoutMs: 2500,
    });
  }
  return new FsObjectStore(join(config.dataDir, 'objects'));
}
