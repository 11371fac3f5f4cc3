/** The one CSV writer (every CSV export), on a bare Fastify: what a spreadsheet gets. */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendCsv } from './csv';

const app = Fastify();
let table: { header: string[]; rows: unknown[][] } = { header: [], rows: [] };
beforeAll(async () => {
  app.get('/export', (_request, reply) => sendCsv(reply, '报表.csv', table.header, table.rows));
  await app.ready();
});
afterAll(() => app.close());

async function csvOf(header: string[], rows: unknown[][]) {
  table = { header, rows };
  const res = await app.inject({ method: 'GET', url: '/export' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('报表.csv')}`);
  return res.body;
}

describe('sendCsv', () => {
  it('writes a BOM and CRLF line ends, and quotes a cell that holds a comma, a quote or a line break', async () => {
    expect(
      await csvOf(
        ['名称', 'n'],
        [
          ['a,b', 1],
          ['say "hi"', null],
          ['line\nbreak', undefined],
          ['cr\ronly', true],
        ],
      ),
    ).toBe('\uFEFF名称,n\r\n"a,b",1\r\n"say ""hi""",\r\n"line\nbreak",\r\n"cr\ronly",true\r\n');
  });

  it('keeps a spreadsheet from running any text cell as a formula, the header too', async () => {
    const formulas = ['=1+1', '+SUM(A1)', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x","点我")'];
    expect(await csvOf(['=header'], [formulas])).toBe(
      '\uFEFF\'=header\r\n\'=1+1,\'+SUM(A1),\'-2+3,\'@SUM(A1),\'\t=1,"\'\r=1","\'=HYPERLINK(""http://x"",""点我"")"\r\n',
    );
  });

  it('leaves numbers as numbers: a refund of -500 fen is not text', async () => {
    expect(await csvOf(['amount_fen'], [[-500], [0], [12.5]])).toBe('\uFEFFamount_fen\r\n-500\r\n0\r\n12.5\r\n');
  });
});

describe('safeFileName: every generated file name', () => {
  it('replaces what a file system forbids, control characters and lone surrogates; keeps Chinese; never empty', async () => {
    const { attachment, safeFileName } = await import('./csv');
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j.csv')).toBe('a_b_c_d_e_f_g_h_i_j.csv');
    expect(safeFileName('月报\r\n2025\u0000.xlsx')).toBe('月报__2025_.xlsx');
    expect(safeFileName('lone\uD800.csv')).toBe('lone_.csv');
    expect([...safeFileName('表'.repeat(200))]).toHaveLength(120);
    expect(safeFileName('  ')).toBe('export');
    // A lone surrogate would make encodeURIComponent throw (a 500): the header is built all the same.
    expect(attachment('x\uDC00.csv')).toBe("attachment; filename*=UTF-8''x_.csv");
  });
});
