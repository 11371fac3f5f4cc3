import type { Payout, Statement } from '@shanhai/domain';
import { PassThrough, type Readable } from 'node:stream';
import { addSheet, loadExcel, sheetName } from '../../lib/excel';
import { formulaSafe } from '../../lib/csv';

/** Fen as the yuan amount a bank file and a statement print: two decimals, never a float sum. */
const yuan = (fen: number) =>
  `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/**
 * The columns of a batch payment (批量代付) as Chinese corporate online banking imports them:
 * sequence, payee account, payee name, payee bank, branch, amount in yuan, purpose/memo.
 */
export const BANK_FILE_HEADER = [
  '序号',
  '收款账号',
  '收款户名',
  '收款银行',
  '开户行/支行',
  '金额(元)',
  '用途/附言',
] as const;

export function bankFileRow(settlementNumber: string, p: Payout): (string | number)[] {
  return [
    p.seq,
    p.accountNo,
    p.accountName,
    p.bankName,
    p.branch,
    yuan(p.amountFen),
    `山海集市结算款 ${settlementNumber}-${p.seq}`,
  ];
}

/**
 * The batch file as XLSX, streamed: exceljs's WorkbookWriter commits each row as it comes, so a
 * settlement of any size is written whole without holding its workbook in memory. A failing source
 * destroys the stream (the download fails) rather than ending it short.
 */
export async function bankFileXlsxStream(settlementNumber: string, payouts: AsyncIterable<Payout>): Promise<Readable> {
  const Excel = await loadExcel();
  const out = new PassThrough();
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet(sheetName(`批量付款 ${settlementNumber}`));
  ws.columns = [6, 24, 24, 18, 28, 14, 32].map((width) => ({ width }));
  void (async () => {
    try {
      ws.addRow([...BANK_FILE_HEADER]).commit();
      for await (const p of payouts) {
        const r = ws.addRow(bankFileRow(settlementNumber, p).map((v, i) => (i === 5 ? Number(v) : formulaSafe(v))));
        // Account numbers are text: as numbers Excel would round them to 15 digits.
        r.getCell(2).numFmt = '@';
        r.getCell(6).numFmt = '0.00';
        r.commit();
      }
      ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}

const KIND_ZH: Record<string, string> = {
  acceptance: '验收入账',
  refund: '退款',
  payout: '结算付款',
  payout_bounce: '付款退回',
  reversal: '冲正',
  bank_charge: '银行手续费',
  late_payment_refund: '逾期付款退回',
  payment: '买家付款',
};

/** A statement (结算单) as a workbook: the summary, then every item with its order lines. */
export async function statementXlsx(s: Statement): Promise<Buffer> {
  const wb = new (await loadExcel()).Workbook();
  const ws = addSheet(wb, `结算单 ${s.cooperativeName}`);
  ws.addRow([`结算单 ${s.settlementNumber}`]);
  ws.addRow(['合作社', formulaSafe(s.cooperativeName)]);
  ws.addRow(['结算期', `${s.periodStart} ~ ${s.periodEnd}`]);
  ws.addRow([]);
  for (const [label, fen] of [
    ['期初可结算余额(元)', s.openingFen],
    ['验收订单金额(元)', s.acceptedFen],
    ['平台服务费(元)', s.feesFen],
    ['退款(元)', s.refundsFen],
    ['已付结算款(元)', s.payoutsFen],
    ['调整(元)', s.adjustmentsFen],
    ['期末可结算余额(元)', s.closingFen],
    ['本期应付(元)', s.owedFen],
    ['本期付款(元)', s.payoutFen],
  ] as const)
    ws.addRow([label, Number(yuan(fen))]);
  ws.addRow([]);
  ws.addRow(['时间', '事项', '订单号', '买方', '商品', '数量', '单价(元)', '金额(元)', '服务费(元)', '可结算变动(元)']);
  for (const i of s.items) {
    ws.addRow([
      i.occurredAt,
      KIND_ZH[i.kind] ?? i.kind,
      formulaSafe(i.ref ?? ''),
      formulaSafe(i.buyerName ?? ''),
      '',
      '',
      '',
      Number(yuan(i.grossFen)),
      Number(yuan(i.feeFen)),
      Number(yuan(i.netFen)),
    ]);
    for (const l of i.lines)
      ws.addRow([
        '',
        '',
        '',
        '',
        formulaSafe(l.productName),
        `${l.qty} ${l.unit}`,
        Number(yuan(l.unitPriceFen)),
        Number(yuan(l.lineTotalFen)),
        '',
        '',
      ]);
  }
  if (s.payout) {
    ws.addRow([]);
    ws.addRow(['收款户名', formulaSafe(s.payout.accountName)]);
    ws.addRow(['收款银行', formulaSafe(`${s.payout.bankName} ${s.payout.branch}`)]);
    ws.addRow(['收款账号', formulaSafe(s.payout.accountNo)]);
    ws.addRow(['银行流水号', formulaSafe(s.payout.bankReference ?? '')]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
