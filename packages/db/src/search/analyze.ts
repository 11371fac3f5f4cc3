/**
 * Text analysis of the catalogue search, shared by the index (products.search, written by
 * `refreshSearchIndex`) and the queries of the api's search module, so that both cut words the
 * same way. PostgreSQL has no Chinese word breaker: the words are cut here with jieba and stored
 * as a `simple` tsvector; pinyin and initials come from pinyin-pro.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';
import type * as JiebaDict from '@node-rs/jieba/dict.js';
import type * as PinyinPro from 'pinyin-pro';
import type { Category } from '@shanhai/domain';
import dictionary from './dictionary.json' with { type: 'json' };

// jieba (its 11 MB dictionary is read when its dict module loads) and pinyin-pro (29 modules of
// tables) are loaded on first use, not at start: most api starts never search before they serve,
// and the worker never does. A synchronous require keeps every function here synchronous.
const lazyRequire = createRequire(import.meta.url);
let pinyinLib: typeof PinyinPro.pinyin | null = null;
const pinyin: typeof PinyinPro.pinyin = ((...args: Parameters<typeof PinyinPro.pinyin>) => {
  pinyinLib ??= (lazyRequire('pinyin-pro') as typeof PinyinPro).pinyin;
  return (pinyinLib as (...a: unknown[]) => unknown)(...args);
}) as typeof PinyinPro.pinyin;

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
const CJK_CHAR = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$/;
const LATIN_WORD = /[\p{L}\p{N}]+/gu;
/** Words that never narrow a search. */
const STOP = new Set([
  '的',
  '和',
  '与',
  '及',
  '或',
  '是',
  '在',
  'the',
  'of',
  'and',
  'a',
  'an',
  'with',
  'for',
  'in',
  'de',
]);

let jieba: Jieba | null = null;
/** The word breaker with jieba's dictionary plus ours (loaded on first use: ~0.3 s). */
function breaker(): Jieba {
  if (jieba) return jieba;
  const { Jieba: JiebaClass } = lazyRequire('@node-rs/jieba') as { Jieba: typeof Jieba };
  const { dict } = lazyRequire('@node-rs/jieba/dict.js') as typeof JiebaDict;
  const j = JiebaClass.withDict(dict);
  const ours = new Set<string>(dictionary.words);
  for (const group of dictionary.synonyms) for (const w of group) ours.add(w);
  for (const words of Object.values(dictionary.categories)) for (const w of words) ours.add(w);
  // A high frequency keeps each of our words whole ("大崑肉鸽" → 大崑 肉鸽, not 大 崑 肉鸽).
  const lines = [...ours].filter((w) => /^[\u3400-\u9fff]{2,}$/.test(w)).map((w) => `${w} 200000 n`);
  j.loadDict(Buffer.from(lines.join('\n') + '\n', 'utf8'));
  jieba = j;
  return j;
}

/** Full-width to half-width, lower case, Chinese punctuation to spaces. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function pinyinOf(word: string): string {
  return (pinyin(word, { toneType: 'none', type: 'array', v: true }) as string[]).join('').replace(/[^a-z]/g, '');
}
function initialsOf(word: string): string {
  return (pinyin(word, { pattern: 'first', toneType: 'none', type: 'array' }) as string[])
    .join('')
    .replace(/[^a-z]/g, '');
}

/** word → the synonym groups holding it (by the word itself and, for Chinese words, by its pinyin). */
let groupsByWord: Map<string, Set<string>> | null = null;
function synonymIndex(): Map<string, Set<string>> {
  if (groupsByWord) return groupsByWord;
  const m = new Map<string, Set<string>>();
  const add = (key: string, group: string[]) => {
    const s = m.get(key) ?? new Set<string>();
    for (const w of group) s.add(w);
    m.set(key, s);
  };
  for (const group of dictionary.synonyms) {
    for (const w of group) {
      add(w, group);
      if (/^[\u3400-\u9fff]{2,}$/.test(w)) add(pinyinOf(w), group);
    }
  }
  groupsByWord = m;
  return m;
}

/** The other words of `word`'s synonym groups (without the word itself). */
export function synonymsOf(word: string): string[] {
  const s = synonymIndex().get(word);
  return s ? [...s].filter((w) => w !== word) : [];
}

/** Categories a query word names ("水果" → fruit, "honey" → honey). */
export function categoriesNamedBy(text: string): Category[] {
  const n = normalize(text).trim();
  if (!n) return [];
  const out: Category[] = [];
  for (const [cat, words] of Object.entries(dictionary.categories)) {
    if (
      words.some((w) => w === n || (n.length >= 2 && (w.startsWith(n) || n.includes(w) || pinyinOf(w).startsWith(n))))
    )
      out.push(cat as Category);
  }
  return out;
}

/** Words of Chinese text in search mode (every dictionary word inside a longer one too). */
function cutForSearch(text: string): string[] {
  return breaker()
    .cutForSearch(text, true)
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

function latinWords(text: string): string[] {
  return (text.replace(CJK_RUN, ' ').match(LATIN_WORD) ?? []).filter((w) => !STOP.has(w));
}

/** Lexemes for a Chinese or mixed text: its words, each word's pinyin and initials, and its characters. */
function lexemes(text: string | null | undefined, opts: { pinyin: boolean; chars: boolean }): string[] {
  if (!text) return [];
  const n = normalize(text);
  const out: string[] = [];
  for (const run of n.match(CJK_RUN) ?? []) {
    const words = cutForSearch(run);
    out.push(...words);
    if (opts.pinyin) {
      for (const w of words) {
        if (w.length < 2) continue;
        out.push(pinyinOf(w), initialsOf(w));
      }
      if (run.length >= 2) out.push(pinyinOf(run), initialsOf(run));
    }
    if (opts.chars) out.push(...run);
  }
  out.push(...latinWords(n));
  return out;
}

/** `连山壮族瑶族自治县` → `连山`, `大坪镇` → `大坪`: the short name people type. */
export function shortPlaceName(zh: string): string {
  return zh.replace(/(壮族瑶族自治县|瑶族自治县|自治县|街道|[市区县镇乡])$/, '');
}

export interface SearchSource {
  nameZh: string;
  nameEn: string | null;
  description: string | null;
  category: Category;
  townZh: string;
  townEn: string;
  countyZh: string;
  countyEn: string;
}

/**
 * The words of one product for the index, by weight: A its names (words, pinyin, initials),
 * B its town, county and category, C its description, D the single characters of its Chinese name
 * (so that a one-character query still finds it). English text is added by PostgreSQL with the
 * `english` configuration (stems), see refreshSearchIndex. `fuzzy` is what typo tolerance
 * compares a query with (pg_trgm): English name and the pinyin of the Chinese name.
 */
export function productSearchDocument(p: SearchSource): { a: string; b: string; c: string; d: string; fuzzy: string } {
  const uniq = (xs: string[]) => [...new Set(xs.filter((x) => x.length > 0))].join(' ');
  const nameZh = normalize(p.nameZh);
  const a = lexemes(p.nameZh, { pinyin: true, chars: false });
  const b = [
    ...lexemes(p.townZh, { pinyin: false, chars: false }),
    ...lexemes(shortPlaceName(p.townZh), { pinyin: false, chars: false }),
    ...lexemes(p.countyZh, { pinyin: false, chars: false }),
    ...lexemes(shortPlaceName(p.countyZh), { pinyin: false, chars: false }),
    ...latinWords(normalize(`${p.townEn} ${p.countyEn}`)),
    ...dictionary.categories[p.category].flatMap((w) => (CJK_CHAR.test(w[0] ?? '') ? cutForSearch(w) : [w])),
  ];
  const c = lexemes(p.description, { pinyin: false, chars: false });
  const d = [...(nameZh.match(CJK_RUN) ?? []).join('')];
  const fuzzy = [
    ...latinWords(normalize(p.nameEn ?? '')),
    ...(nameZh.match(CJK_RUN) ?? []).flatMap((run) => [
      ...cutForSearch(run)
        .filter((w) => w.length >= 2)
        .map(pinyinOf),
      pinyinOf(run),
    ]),
    ...latinWords(nameZh),
  ];
  return { a: uniq(a), b: uniq(b), c: uniq(c), d: uniq(d), fuzzy: uniq(fuzzy) };
}

/** One word of a query: what it may match (itself first, then its synonyms). */
export interface QueryWord {
  /** As typed (normalised). */
  word: string;
  kind: 'cjk' | 'latin';
  /** The word and its synonyms. */
  alternatives: string[];
}

/**
 * A query cut into words (precise mode: "大坪蜂蜜" → 大坪, 蜂蜜), each with its synonyms. A product
 * matches when it has every word or one of its synonyms. At most 12 words.
 */
export function queryWords(q: string): QueryWord[] {
  const n = normalize(q).slice(0, 100);
  const out: QueryWord[] = [];
  const seen = new Set<string>();
  // Keep the order of the text: walk runs of Chinese and of other letters.
  for (const m of n.matchAll(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[\p{L}\p{N}]+/gu)) {
    const run = m[0];
    const cjk = CJK_CHAR.test(run[0]!);
    const words = cjk ? breaker().cut(run, false) : [run];
    for (const w of words) {
      if (!w.trim() || STOP.has(w) || seen.has(w)) continue;
      seen.add(w);
      out.push({ word: w, kind: cjk ? 'cjk' : 'latin', alternatives: [w, ...synonymsOf(w)] });
    }
  }
  return out.slice(0, 12);
}

/** The query as the typo fallback compares it: latin words as typed, Chinese as its pinyin. */
export function fuzzyQuery(q: string): string {
  const n = normalize(q).slice(0, 100);
  const parts: string[] = [];
  for (const m of n.matchAll(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[\p{L}\p{N}]+/gu)) {
    const run = m[0];
    parts.push(CJK_CHAR.test(run[0]!) ? pinyinOf(run) : run);
  }
  return parts.join(' ').trim();
}

/** Pinyin of a name, for matching what is typed in latin letters ("daping" → 大坪镇). */
export function pinyinKeys(zh: string): { full: string; initials: string } {
  return { full: pinyinOf(zh), initials: initialsOf(zh) };
}
