import { ImportResult } from '@shanhai/domain';
import { request } from './http';

export function importFile(file: File, dryRun: boolean) {
  const form = new FormData();
  form.append('file', file);
  return request('POST', '/sales/import', ImportResult, { form, query: { dryRun } });
}
