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
