/**
 * `node dist/import-uploads.js <dir>` (from source: `tsx apps/api/src/import-uploads.ts <dir>`):
 * copies the files of a former UPLOAD_DIR into the shared storage (PostgreSQL, or S3 with S3_URL)
 * and prints what it did. Run it once after upgrading; running it again imports nothing.
 */
import { createDb } from '@shanhai/db';
import { loadImportUploadsConfig } from './env';
import { FileStorage } from './modules/files/files-service';
import { importLocalUploads } from './modules/files/import-local';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node dist/import-uploads.js <former UPLOAD_DIR>\n');
  process.exit(2);
}
const config = loadImportUploadsConfig();
const handle = createDb(config.databaseUrl, { max: 2, applicationName: 'shanhai-import-uploads' });
const storage = new FileStorage(
  handle.db,
  config.s3 ? new (await import('./modules/files/s3-blobs')).S3Blobs(config.s3) : undefined,
);
try {
  const report = await importLocalUploads(handle.db, storage, dir);
  process.stdout.write(`${JSON.stringify({ driver: storage.driver, ...report }, null, 2)}\n`);
  process.exitCode = report.refused.length > 0 ? 1 : 0;
} finally {
  storage.close();
  await handle.close();
}
