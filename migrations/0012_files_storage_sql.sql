-- Photos and PDFs are already compressed: keep PostgreSQL from trying again (TOAST stores them
-- out of line, uncompressed), which saves CPU on every upload.
ALTER TABLE "file_blobs" ALTER COLUMN "data" SET STORAGE EXTERNAL;
