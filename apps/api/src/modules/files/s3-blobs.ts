import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Location } from '../../env';

/** File bytes in an S3-compatible store, one object per content hash. */
export class S3Blobs {
  private readonly client: S3Client;

  constructor(private readonly location: S3Location) {
    this.client = new S3Client({
      endpoint: location.endpoint,
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey },
      // The SDK's default CRC32 checksum headers are refused by several S3-compatible stores
      // (older MinIO, some OSS/COS gateways); send them only where the operation requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(sha256: string): string {
    return `${this.location.keyPrefix}${sha256}`;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      if (e instanceof NotFound || e instanceof NoSuchKey) return false;
      throw e;
    }
  }

  /** Idempotent: the key is the content's hash, so writing it again writes the same bytes. */
  async put(sha256: string, bytes: Buffer, mime: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.key(sha256),
        Body: bytes,
        ContentType: mime,
        ContentLength: bytes.length,
      }),
    );
  }

  /** The object's bytes as a stream, or null when the store has no such object. */
  async get(sha256: string): Promise<Readable | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(sha256) }));
      return out.Body as Readable;
    } catch (e) {
      if (e instanceof NoSuchKey || e instanceof NotFound) return null;
      throw e;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
