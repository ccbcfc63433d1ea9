import { describe, expect, it } from 'vitest';
import { parseS3Endpoint } from './s3-endpoint.js';

describe('parseS3Endpoint', () => {
  it('reads host, port and scheme', () => {
    expect(parseS3Endpoint('http://127.0.0.1:7480')).toEqual({
      endPoint: '127.0.0.1',
      port: 7480,
      useSSL: false,
    });
    expect(parseS3Endpoint('https://s3.example.org/')).toEqual({
      endPoint: 's3.example.org',
      port: 443,
      useSSL: true,
    });
    expect(parseS3Endpoint('http://[::1]:9000')).toEqual({
      endPoint: '::1',
      port: 9000,
      useSSL: false,
    });
  });

  it('refuses what it would otherwise silently ignore', () => {
    expect(() => parseS3Endpoint('127.0.0.1:7480')).toThrow(/http or https|not a URL/);
    expect(() => parseS3Endpoint('ftp://x')).toThrow(/http or https/);
    expect(() => parseS3Endpoint('http://x/bucket')).toThrow(/path/);
    expect(() => parseS3Endpoint('http://k:s@x')).toThrow(/credentials/);
  });
});
