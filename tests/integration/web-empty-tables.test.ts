import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import empty from '../../apps/web/src/i18n/messages/empty';

const SRC = fileURLToPath(new URL('../../apps/web/src', import.meta.url));
const vueFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? vueFiles(join(dir, e.name)) : e.name.endsWith('.vue') ? [join(dir, e.name)] : [],
  );

describe('every table’s empty state', () => {
  // Without one, Element Plus shows a bare "暂无数据" (in English too) that says neither what is
  // missing nor what to do. A table shown only when it has rows (v-else after an ElEmpty, or
  // v-if on the rows' length, on the table or on the <template> around it) needs none.
  it('names what is empty: an empty-text, an #empty slot, or a guard on the rows', () => {
    const bare: string[] = [];
    for (const file of vueFiles(SRC)) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/<ElTable\b([^>]*)>([\s\S]*?)<\/ElTable>/g)) {
        const [, attrs = '', body = ''] = m;
        // The innermost <template> still open where the table starts, if any.
        const before = source.slice(0, m.index);
        const open = before.lastIndexOf('<template');
        const around = open > before.lastIndexOf('</template>') ? before.slice(open, before.indexOf('>', open)) : '';
        const guarded = [attrs, around].some((a) => /\sv-else\b/.test(a) || /\sv-if="[^"]*\.length/.test(a));
        if (!guarded && !/:empty-text=/.test(attrs) && !/<template #empty>/.test(body))
          bare.push(`${relative(SRC, file)}:${source.slice(0, m.index).split('\n').length}`);
      }
    }
    expect(bare).toEqual([]);
  });

  it('says it in both languages', () => {
    expect(Object.keys(empty.en.empty).sort()).toEqual(Object.keys(empty['zh-CN'].empty).sort());
  });
});
