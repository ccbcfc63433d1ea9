export { contentDisposition } from './content-disposition.js';
export {
  ObjectKeyError,
  ObjectMetadataError,
  ObjectNotFoundError,
  ObjectRangeError,
  ObjectSizeMismatchError,
  StorageError,
  StoreUnavailableError,
} from './errors.js';
export { FsObjectStore } from './fs-object-store.js';
export { MAX_KEY_BYTES, validateMetadata, validateObjectKey } from './object-key.js';
export type { ObjectListing, ObjectStat, ObjectStore, WriteOptions } from './object-store.js';
export { parseS3Endpoint, type S3Endpoint } from './s3-endpoint.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';
