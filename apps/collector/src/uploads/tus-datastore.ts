import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/server';
import type { CollectorConfig } from '../config/environment.js';
import type { CollectorObjectStore } from '../storage/object-store.js';
import { fsUploadArea, s3UploadArea, type UploadArea } from './upload-area.js';

export interface TusBackend {
  datastore: DataStore;
  area: UploadArea;
}

/** tus data store chosen by STORAGE: files under DATA_DIR/uploads, or S3 multipart uploads. */
export async function createTusBackend(
  config: CollectorConfig,
  store: CollectorObjectStore,
): Promise<TusBackend> {
  if (config.storage === 's3' && config.s3) {
    const s3 = config.s3;
    // Loaded only for STORAGE=s3: the AWS SDK costs ~30 MB of RSS a fs collector never needs.
    const { S3Store } = await import('@tus/s3-store');
    const datastore = new S3Store({
      partSize: s3.partSize,
      expirationPeriodInMilliseconds: config.uploadExpiryMs,
      s3ClientConfig: {
        bucket: s3.bucket,
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        // The SDK's default streaming checksums (aws-chunked with trailers) are not understood
        // by every S3 server (Ceph RGW 16 answers 411 MissingContentLength): only when required.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
      },
    });
    return { datastore, area: s3UploadArea(datastore, store) };
  }
  const directory = join(config.dataDir, 'uploads');
  mkdirSync(directory, { recursive: true });
  const datastore = new FileStore({
    directory,
    expirationPeriodInMilliseconds: config.uploadExpiryMs,
  });
  return { datastore, area: fsUploadArea(directory, datastore, store) };
}
