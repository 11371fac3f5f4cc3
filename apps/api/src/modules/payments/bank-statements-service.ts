import { loadCsvParse } from '../../lib/csv';
import { createHash } from 'node:crypto';
import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type ExcelJS from 'exceljs';
import { anyOf, notifyStatementRowsUnmatched, schema, writeAudit, type Db, type DbOrTx, type Tx } from '@shanhai/db';
import {
  BANK_PREVIEW_ROWS,
  MAX_BANK_MEMO_CHARS,
  type BankRowState,
  type BankStatementPreviewRow,
  type BankStatementResult,
  type BankTransactionQuery,
  type BankUnmatchedReason,
  type PageQuery,
  type TransferCandidateQuery,
} from '@shanhai/domain';
import { cursorKey, pageOf, type Keyset, keysetPage } from '../../lib/cursor';
import { firstSheet } from '../../lib/excel';
import { conflict, HttpProblem, ruleBroken } from '../../lib/problem';
import type { Principal } from '../../types';
import { yuanToFen } from '../imports/imports-service';
import { confirmTransferTx, confirmTransfersTx } from './payments-service';

const { bankStatements, bankStatementRows, purchases, payments, orgs, users } = schema;

/**
 * Column headers as Chinese corporate online banking exports them (and plain English ones). The
 * first alias present wins, except for the memo: every memo column present is kept, joined, since
 * banks put the payer's 附言 in 摘要 or 用途 as often as in 附言.
 */
const COLUMNS = {
  date: ['交易日期', '日期', '记账日期', '交易时间', 'date'],
  payerName: ['付款人名称', '对方户名', '付款方户名', '对方账户名称', '对方名称', 'payer_name', 'payer'],
  payerAccount: ['付款人账号', '对方账号', '付款方账号', '对方账户', 'payer_account'],
  amount: ['金额', '贷方金额', '收入金额', '贷方发生额', 'amount', 'amount_yuan'],
  memo: ['附言', '摘要', '用途', 'memo'],
  txnId: ['交易流水号', '流水号', '银行流水号', '交易编号', 'bank_txn_id', 'transaction_id'],
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['date', 'payerName', 'payerAccount', 'amount', 'memo', 'txnId'];
/** Banks put the account, the period and the like above the table; the header is within these rows. */
const HEADER_SEARCH_ROWS = 20;
const MAX_TEXT_CHARS = 200;

/** The remittance reference checkout hands out (checkout-service.ts): SH + yyMMdd + 6 letters. */
const REFERENCE = /SH\d{6}[A-HJ-NP-Z2-9]{6}/;

interface ParsedRow {
  row: number;
  bankTxnId: string;
  txnDate: string;
  payerName: string;
  payerAccount: string;
  amountFen: number;
  memo: string;
  reference: string | null;
}

/** The name of column `col` in the first row that has one there (the header, in a bank's export). */
const headerOf = (grid: string[][], col: number) =>
  grid.slice(0, HEADER_SEARCH_ROWS).find((r) => r[col] && r.filter(Boolean).length > 2)?.[col] ?? String(col + 1);
const formulaCell = (row: number, header: string) => ruleBroken('body.file', 'formula_cell', { row, column: header });

/** `2026-12-03`, `2026/12/3`, `20261203`, with or without a time after it. */
function isoDay(text: string): string | null {
  const m = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return t.toISOString().slice(0, 10);
}

/** The file as rows of trimmed strings; a formula anywhere refuses the whole file. */
interface Grid {
  grid: string[][];
  /** The first formula cell (row counted from 1, column from 0), which refuses the file. */
  formula: { row: number; col: number } | null;
}

async function readGrid(buffer: Buffer, fileName: string): Promise<Grid> {
  const isXlsx = buffer.subarray(0, 2).toString('latin1') === 'PK' || /\.xlsx$/i.test(fileName);
  if (!isXlsx) {
    let grid: string[][];
    const parse = await loadCsvParse();
    try {
      grid = parse(buffer, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
    } catch (e) {
      throw ruleBroken('body.file', 'unreadable_csv', { detail: (e as Error).message.split('\n')[0] });
    }
    // A cell that a spreadsheet would run (=, @) is refused: the file was not a plain bank export.
    let formula: Grid['formula'] = null;
    grid.forEach((cells, i) =>
      cells.forEach((c, j) => {
        if (!formula && /^[=@]/.test(c)) formula = { row: i + 1, col: j };
      }),
    );
    return { grid, formula };
  }
  const ws = await firstSheet(buffer);
  if (!ws) return { grid: [], formula: null };
  const grid: string[][] = [];
  let formula: Grid['formula'] = null;
  ws.eachRow({ includeEmpty: true }, (row, r) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, c) => {
      if (!formula && (cell.formula || cell.type === 6)) formula = { row: r, col: c - 1 }; // 6: ValueType.Formula
      const v: ExcelJS.CellValue = cell.value;
      cells[c - 1] =
        v instanceof Date
          ? v.toISOString().slice(0, 10)
          : v === null || v === undefined
            ? ''
            : typeof v === 'object' && 'richText' in v
              ? v.richText.map((t) => t.text).join('')
              : String(v).trim();
    });
    grid[r - 1] = Array.from(cells, (c) => c ?? '');
  });
  // Rows keep their numbers (empty ones stay, as empty arrays) so that messages name the file's row.
  return { grid: Array.from(grid, (r) => r ?? []), formula };
}

/** Finds the header row and the columns; every column must be there, or the file is refused. */
function locateColumns(grid: string[][]): { headerIndex: number; at: Record<Column, number[]>; header: string[] } {
  for (let i = 0; i < Math.min(grid.length, HEADER_SEARCH_ROWS); i++) {
    const header = grid[i]!.map((h) => h.replace(/\s+/g, '').replace(/[(（].*[)）]$/, ''));
    const at = {} as Record<Column, number[]>;
    for (const k of REQUIRED) {
      const found = k === 'memo' ? COLUMNS.memo.filter((a) => header.includes(a)) : [];
      const first = COLUMNS[k].find((a) => header.includes(a));
      at[k] = (k === 'memo' ? found : first ? [first] : []).map((a) => header.indexOf(a));
    }
    if (REQUIRED.every((k) => at[k].length > 0)) return { headerIndex: i, at, header: grid[i]! };
  }
  const want = REQUIRED.map((k) => COLUMNS[k].slice(0, 2).join('/')).join(', ');
  throw ruleBroken('body.file', 'missing_columns', { columns: want });
}

interface ParsedStatement {
  fileHash: string;
  rows: ParsedRow[];
  dataRows: number;
  skippedRows: number;
  errors: BankStatementResult['errors'];
}

/** Reads and checks a statement; structural faults (formulas, columns, oversize text) are 400s. */
async function parseStatement(buffer: Buffer, fileName: string): Promise<ParsedStatement> {
  const fileHash = createHash('sha256').update(buffer).digest('hex');
  const { grid, formula } = await readGrid(buffer, fileName);
  if (formula) throw formulaCell(formula.row, headerOf(grid, formula.col));
  const { headerIndex, at, header } = locateColumns(grid);
  const errors: BankStatementResult['errors'] = [];
  const rows: ParsedRow[] = [];
  const seen = new Map<string, number>();
  let skippedRows = 0;
  const data = grid
    .map((cells, i) => ({ cells, row: i + 1 }))
    .slice(headerIndex + 1)
    .filter(({ cells }) => cells.some((c) => c !== ''));
  if (data.length === 0) throw ruleBroken('body.file', 'no_rows');
  data.forEach(({ cells, row }) => {
    const get = (k: Column) => at[k].map((j) => cells[j] ?? '').filter(Boolean);
    const name = (k: Column) => header[at[k][0]!]!;
    for (const k of REQUIRED) {
      const max = k === 'memo' ? MAX_BANK_MEMO_CHARS : MAX_TEXT_CHARS;
      for (const j of at[k]) {
        const v = cells[j] ?? '';
        if (v.length > max)
          throw ruleBroken('body.file', 'cell_too_long', { row, column: header[j], length: v.length, max });
      }
    }
    const amountText = (get('amount')[0] ?? '').replace(/[¥￥,\s]|元$/g, '');
    // An empty credit cell is an outgoing payment in a full statement: not ours to match.
    if (amountText === '' || /^0*(\.0*)?$/.test(amountText)) {
      skippedRows += 1;
      return;
    }
    const err = (k: Column, message: string) => errors.push({ row, field: name(k), message });
    const txnDate = isoDay(get('date')[0] ?? '');
    const amountFen = yuanToFen(amountText);
    const bankTxnId = get('txnId')[0] ?? '';
    const payerName = get('payerName')[0] ?? '';
    const payerAccount = get('payerAccount')[0] ?? '';
    const memo = get('memo').join(' / ');
    const before = errors.length;
    if (!txnDate) err('date', 'must be a date such as 2026-12-03');
    if (amountFen === null || amountFen <= 0)
      err('amount', 'must be a positive amount in 元 with at most two decimals');
    if (!bankTxnId) err('txnId', 'is required');
    else if (seen.has(bankTxnId)) err('txnId', `repeats the transaction id of row ${seen.get(bankTxnId)}`);
    if (!payerName) err('payerName', 'is required');
    if (errors.length > before) return;
    seen.set(bankTxnId, row);
    rows.push({
      row,
      bankTxnId,
      txnDate: txnDate!,
      payerName,
      payerAccount,
      amountFen: amountFen!,
      memo,
      reference: REFERENCE.exec(memo.toUpperCase())?.[0] ?? null,
    });
  });
  return { fileHash, rows, dataRows: data.length, skippedRows, errors };
}

interface PurchaseFacts {
  id: string;
  remittanceRef: string;
  status: string;
  paymentMethod: string;
  totalFen: number;
}

/** What a new row does: match its purchase, or go to the queue, and why. */
function classify(
  r: ParsedRow,
  p: PurchaseFacts | undefined,
  taken: Set<string>,
): { outcome: 'match' | 'queue'; reason: BankUnmatchedReason | null; purchaseId: string | null } {
  if (!r.reference) return { outcome: 'queue', reason: 'no_reference', purchaseId: null };
  if (!p) return { outcome: 'queue', reason: 'unknown_reference', purchaseId: null };
  const queue = (reason: BankUnmatchedReason) => ({ outcome: 'queue' as const, reason, purchaseId: p.id });
  if (p.status === 'paid' || taken.has(p.id)) return queue('already_paid');
  if (p.paymentMethod !== 'transfer' || p.status !== 'awaiting_payment') return queue('not_payable');
  if (r.amountFen !== p.totalFen) return queue('amount_mismatch');
  taken.add(p.id);
  return { outcome: 'match', reason: null, purchaseId: p.id };
}

/** Statement commits one at a time: two overlapping statements never wait on each other's rows. */
const STATEMENT_LOCK = sql`select pg_advisory_xact_lock(hashtext('shanhai:bank_statements'))`;
/** Matched rows confirmed per batch: each step of the confirmation is then one statement per batch. */
const CONFIRM_CHUNK = 500;

/**
 * Preview (dry run) or commit of a statement. A commit, in one transaction: adds the rows whose
 * bank transaction id is new (a re-upload or an overlapping statement adds nothing), confirms each
 * row that names a purchase awaiting exactly its amount through confirmTransferTx (the office's
 * own confirmation: same checks, audit and effects), and queues the rest. The purchases are locked
 * before they are judged, so a manual confirmation at the same moment either went first (the row
 * is queued as already paid) or waits and then finds the purchase paid.
 */
export async function uploadStatement(
  db: Db,
  who: Principal,
  buffer: Buffer,
  fileName: string,
  dryRun: boolean,
): Promise<BankStatementResult> {
  const parsed = await parseStatement(buffer, fileName);
  if (!dryRun && parsed.errors.length) throw ruleBroken('body.file', 'invalid_rows', { count: parsed.errors.length });

  const judge = async (q: DbOrTx, lock: boolean) => {
    const ids = parsed.rows.map((r) => r.bankTxnId);
    const known = new Set<string>();
    const found = await q
      .select({ id: bankStatementRows.bankTxnId })
      .from(bankStatementRows)
      .where(anyOf(bankStatementRows.bankTxnId, ids, 'text'));
    for (const f of found) known.add(f.id);
    const fresh = parsed.rows.filter((r) => !known.has(r.bankTxnId));
    const refs = [...new Set(fresh.map((r) => r.reference).filter((x): x is string => !!x))];
    const facts = new Map<string, PurchaseFacts>();
    if (refs.length > 0) {
      const base = q
        .select({
          id: purchases.id,
          remittanceRef: purchases.remittanceRef,
          status: purchases.status,
          paymentMethod: purchases.paymentMethod,
          totalFen: purchases.totalFen,
        })
        .from(purchases)
        .where(anyOf(purchases.remittanceRef, refs, 'text'))
        .orderBy(asc(purchases.id));
      for (const p of lock ? await base.for('update') : await base) facts.set(p.remittanceRef, p);
    }
    // A purchase already evidenced by a matched row is paid as far as the statement goes.
    const taken = new Set<string>();
    const ps = [...facts.values()].map((p) => p.id);
    if (ps.length > 0) {
      const linked = await q
        .select({ id: bankStatementRows.purchaseId })
        .from(bankStatementRows)
        .where(
          and(
            anyOf(bankStatementRows.purchaseId, ps, 'uuid'),
            inArray(bankStatementRows.state, ['matched_auto', 'matched_manual']),
          ),
        );
      for (const l of linked) if (l.id) taken.add(l.id);
    }
    const judged = parsed.rows.map((r): BankStatementPreviewRow & { fresh: boolean } => {
      const base = { ...r, fresh: !known.has(r.bankTxnId) };
      if (!base.fresh) return { ...base, outcome: 'duplicate', reason: null, purchaseId: null };
      return { ...base, ...classify(r, r.reference ? facts.get(r.reference) : undefined, taken) };
    });
    return judged;
  };

  const summarise = (judged: Awaited<ReturnType<typeof judge>>, statementId: string | null): BankStatementResult => {
    const matched = judged.filter((r) => r.outcome === 'match');
    return {
      dryRun,
      fileHash: parsed.fileHash,
      rows: parsed.dataRows,
      skippedRows: parsed.skippedRows,
      errors: parsed.errors,
      newRows: judged.filter((r) => r.fresh).length,
      duplicateRows: judged.filter((r) => !r.fresh).length,
      matchedRows: matched.length,
      matchedFen: matched.reduce((s, r) => s + r.amountFen, 0),
      queuedRows: judged.filter((r) => r.outcome === 'queue').length,
      preview: judged.slice(0, BANK_PREVIEW_ROWS).map(({ fresh: _fresh, ...r }) => r),
      statementId,
    };
  };

  if (dryRun) return summarise(await judge(db, false), null);

  return db.transaction(async (tx) => {
    await tx.execute(STATEMENT_LOCK);
    const judged = await judge(tx, true);
    const fresh = judged.filter((r) => r.fresh);
    // Confirm first, under the locks judge took, through the manual confirmation's own path, a
    // batch of purchases at a time; a row whose purchase turns out not payable after all (it
    // cannot while the lock is held, but the confirmation has the last word) is queued.
    const matches = fresh.filter((r) => r.outcome === 'match');
    for (let i = 0; i < matches.length; i += CONFIRM_CHUNK) {
      const batch = matches.slice(i, i + CONFIRM_CHUNK);
      const done = await confirmTransfersTx(
        tx,
        who,
        batch.map((r) => ({ purchaseId: r.purchaseId!, amountFen: r.amountFen, bankTxnId: r.bankTxnId })),
      );
      batch.forEach((r, k) => {
        const d = done[k];
        if (d === 'paid') return;
        const reason: BankUnmatchedReason =
          d === 'already_paid'
            ? 'already_paid'
            : d instanceof HttpProblem && d.code === 'amount_mismatch'
              ? 'amount_mismatch'
              : 'not_payable';
        Object.assign(r, { outcome: 'queue', reason });
      });
    }
    const matchedRows = fresh.filter((r) => r.outcome === 'match').length;
    const [st] = await tx
      .insert(bankStatements)
      .values({
        fileHash: parsed.fileHash,
        fileName: fileName.slice(0, MAX_TEXT_CHARS),
        rowCount: parsed.dataRows,
        addedRows: fresh.length,
        matchedRows,
        uploadedBy: who.userId,
      })
      .returning({ id: bankStatements.id });
    const statementId = st!.id;
    const unmatched = { id: statementId, rows: 0, amountFen: 0 };
    // One insert for every new row: a column per array parameter, whatever the number of rows.
    const col = <T>(f: (r: (typeof fresh)[number]) => T) => sql.param(fresh.map(f));
    const added = fresh.length
      ? await tx.execute<{ amount_fen: number; state: BankRowState }>(sql`
          insert into bank_statement_rows (statement_id, bank_txn_id, txn_date, payer_name, payer_account,
            amount_fen, memo, reference, state, unmatched_reason, purchase_id)
          select ${statementId}::uuid, t.bank_txn_id, t.txn_date, t.payer_name, t.payer_account, t.amount_fen, t.memo,
            t.reference, t.state::bank_row_state, t.reason::bank_unmatched_reason, t.purchase_id
          from unnest(${col((r) => r.bankTxnId)}::text[], ${col((r) => r.txnDate)}::date[],
            ${col((r) => r.payerName)}::text[], ${col((r) => r.payerAccount)}::text[],
            ${col((r) => r.amountFen)}::bigint[], ${col((r) => r.memo)}::text[], ${col((r) => r.reference)}::text[],
            ${col((r) => (r.outcome === 'match' ? 'matched_auto' : 'unmatched'))}::text[],
            ${col((r) => r.reason)}::text[], ${col((r) => r.purchaseId)}::uuid[])
            as t(bank_txn_id, txn_date, payer_name, payer_account, amount_fen, memo, reference, state, reason, purchase_id)
          on conflict (bank_txn_id) do nothing
          returning amount_fen, state`)
      : { rows: [] };
    for (const r of added.rows)
      if (r.state === 'unmatched') {
        unmatched.rows += 1;
        unmatched.amountFen += Number(r.amount_fen);
      }
    await notifyStatementRowsUnmatched(tx, unmatched, who.userId);
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'bank_statement.upload',
      entityType: 'bank_statement',
      entityId: statementId,
      after: { fileName, fileHash: parsed.fileHash, rows: parsed.dataRows, added: fresh.length, matchedRows },
    });
    return summarise(judged, statementId);
  });
}

/** The uploaded statements' keyset: newest upload first. */
const STATEMENTS_KEYSET: Keyset = {
  name: 'bank-statements',
  keys: [
    { expr: bankStatements.createdAt, type: 'timestamptz' },
    { expr: bankStatements.id, type: 'uuid' },
  ],
};

/** One page of the uploaded statements, newest first. */
export async function listStatements(db: DbOrTx, page: PageQuery) {
  const rows = await keysetPage(
    db
      .select({ s: bankStatements, uploadedBy: users.name, cursorKey: cursorKey(STATEMENTS_KEYSET) })
      .from(bankStatements)
      .innerJoin(users, eq(users.id, bankStatements.uploadedBy))
      .$dynamic(),
    STATEMENTS_KEYSET,
    page,
  );
  const { items, nextCursor } = pageOf(STATEMENTS_KEYSET, rows, page.limit);
  return {
    nextCursor,
    items: items.map(({ s, uploadedBy }) => ({
      id: s.id,
      fileName: s.fileName,
      rowCount: s.rowCount,
      addedRows: s.addedRows,
      matchedRows: s.matchedRows,
      uploadedBy,
      createdAt: s.createdAt.toISOString(),
    })),
  };
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

type RowWithPurchase = {
  r: typeof bankStatementRows.$inferSelect;
  p: { id: string; remittanceRef: string; totalFen: number } | null;
  buyerOrgName: string | null;
};
const transactionOut = ({ r, p, buyerOrgName }: RowWithPurchase) => ({
  id: r.id,
  bankTxnId: r.bankTxnId,
  txnDate: r.txnDate,
  payerName: r.payerName,
  payerAccount: r.payerAccount,
  amountFen: r.amountFen,
  memo: r.memo,
  reference: r.reference,
  state: r.state,
  unmatchedReason: r.unmatchedReason,
  purchase: p
    ? { id: p.id, remittanceRef: p.remittanceRef, buyerOrgName: buyerOrgName ?? '', totalFen: p.totalFen }
    : null,
  decisionNote: r.decisionNote,
  decidedAt: r.decidedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

/** Statement rows by value date, newest first; within a day by the bank's transaction id (unique), as the bank lists them. */
const TRANSACTIONS_KEYSET: Keyset = {
  name: 'bank-transactions',
  keys: [
    { expr: bankStatementRows.txnDate, type: 'date' },
    { expr: bankStatementRows.bankTxnId, type: 'text', order: 'asc' },
  ],
};

/**
 * One page of the matching queue (or rows in another state), searchable by payer, account, memo
 * and exact amount.
 */
export async function listTransactions(db: DbOrTx, f: BankTransactionQuery & PageQuery) {
  const conds: SQL[] = [eq(bankStatementRows.state, f.state ?? 'unmatched')];
  if (f.q)
    conds.push(
      or(
        ilike(bankStatementRows.payerName, like(f.q)),
        ilike(bankStatementRows.payerAccount, like(f.q)),
        ilike(bankStatementRows.memo, like(f.q)),
        eq(bankStatementRows.bankTxnId, f.q),
      )!,
    );
  if (f.amountFen) conds.push(eq(bankStatementRows.amountFen, f.amountFen));
  const rows = await keysetPage(
    db
      .select({
        r: bankStatementRows,
        p: { id: purchases.id, remittanceRef: purchases.remittanceRef, totalFen: purchases.totalFen },
        buyerOrgName: orgs.name,
        cursorKey: cursorKey(TRANSACTIONS_KEYSET),
      })
      .from(bankStatementRows)
      .leftJoin(purchases, eq(purchases.id, bankStatementRows.purchaseId))
      .leftJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
      .$dynamic(),
    TRANSACTIONS_KEYSET,
    f,
    ...conds,
  );
  const { items, nextCursor } = pageOf(TRANSACTIONS_KEYSET, rows, f.limit);
  return { items: items.map(transactionOut), nextCursor };
}

/** Transfer candidates, newest purchase first. */
const CANDIDATES_KEYSET: Keyset = {
  name: 'transfer-candidates',
  keys: [
    { expr: purchases.createdAt, type: 'timestamptz' },
    { expr: purchases.id, type: 'uuid' },
  ],
};

/**
 * Purchases paid by transfer that a queue row could be: awaiting payment, or paid by a manual
 * confirmation that no bank row evidences yet. Searched by buyer name or reference, and amount;
 * a page at a time (it used to stop at the newest 50: an older purchase could not be matched).
 */
export async function transferCandidates(db: DbOrTx, f: TransferCandidateQuery & PageQuery) {
  const conds: SQL[] = [
    eq(purchases.paymentMethod, 'transfer'),
    or(
      eq(purchases.status, 'awaiting_payment'),
      and(
        eq(purchases.status, 'paid'),
        sql`not exists (select 1 from ${bankStatementRows} b where b.purchase_id = ${purchases.id} and b.state in ('matched_auto', 'matched_manual'))`,
      ),
    )!,
  ];
  if (f.q)
    conds.push(
      or(
        ilike(orgs.name, like(f.q)),
        ilike(purchases.remittanceRef, like(f.q)),
        ilike(payments.submittedReference, like(f.q)),
      )!,
    );
  if (f.amountFen) conds.push(eq(purchases.totalFen, f.amountFen));
  const rows = await keysetPage(
    db
      .select({ p: purchases, buyerOrgName: orgs.name, pay: payments, cursorKey: cursorKey(CANDIDATES_KEYSET) })
      .from(purchases)
      .innerJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
      .leftJoin(payments, eq(payments.purchaseId, purchases.id))
      .$dynamic(),
    CANDIDATES_KEYSET,
    f,
    ...conds,
  );
  const { items, nextCursor } = pageOf(CANDIDATES_KEYSET, rows, f.limit);
  return {
    nextCursor,
    items: items.map(({ p, buyerOrgName, pay }) => ({
      purchaseId: p.id,
      remittanceRef: p.remittanceRef,
      buyerOrgName,
      totalFen: p.totalFen,
      status: p.status,
      submittedAmountFen: pay?.submittedAmountFen ?? null,
      submittedReference: pay?.submittedReference ?? null,
      createdAt: p.createdAt.toISOString(),
    })),
  };
}

async function lockQueued(tx: Tx, id: string) {
  const [r] = await tx.select().from(bankStatementRows).where(eq(bankStatementRows.id, id)).for('update');
  if (!r) return null;
  if (r.state !== 'unmatched')
    throw conflict('not_in_queue', `This bank transaction is ${r.state.replace('_', ' ')}, not waiting in the queue`, {
      state: r.state,
    });
  return r;
}

async function readTransaction(q: DbOrTx, id: string) {
  const [row] = await q
    .select({
      r: bankStatementRows,
      p: { id: purchases.id, remittanceRef: purchases.remittanceRef, totalFen: purchases.totalFen },
      buyerOrgName: orgs.name,
    })
    .from(bankStatementRows)
    .leftJoin(purchases, eq(purchases.id, bankStatementRows.purchaseId))
    .leftJoin(orgs, eq(orgs.id, purchases.buyerOrgId))
    .where(eq(bankStatementRows.id, id));
  return row ? transactionOut(row) : null;
}

/**
 * Office: this queue row paid that purchase. A purchase awaiting payment is confirmed through
 * confirmTransferTx (exactly its amount, same audit and effects as the manual confirmation); one
 * the office already confirmed by hand gets the row as its bank evidence, if no other row is.
 */
export async function matchTransaction(db: Db, who: Principal, id: string, purchaseId: string) {
  const out = await db.transaction(async (tx) => {
    const r = await lockQueued(tx, id);
    if (!r) return null;
    const [p] = await tx.select().from(purchases).where(eq(purchases.id, purchaseId)).for('update');
    if (!p) throw ruleBroken('body.purchaseId', 'not_a_purchase');
    if (p.paymentMethod !== 'transfer')
      throw conflict('wrong_payment_method', 'This purchase is paid by card; Stripe confirms it');
    const [other] = await tx
      .select({ bankTxnId: bankStatementRows.bankTxnId })
      .from(bankStatementRows)
      .where(
        and(
          eq(bankStatementRows.purchaseId, purchaseId),
          inArray(bankStatementRows.state, ['matched_auto', 'matched_manual']),
        ),
      );
    if (other)
      throw conflict('already_matched', `Bank transaction ${other.bankTxnId} already paid this purchase`, {
        bankTxnId: other.bankTxnId,
      });
    let confirmed = false;
    if (p.status === 'awaiting_payment') {
      confirmed = (await confirmTransferTx(tx, who, purchaseId, r.amountFen, r.bankTxnId)) === 'paid';
    } else if (p.status !== 'paid') {
      throw conflict('not_payable', `A purchase in status ${p.status} cannot be paid`);
    } else if (r.amountFen !== p.totalFen) {
      throw new HttpProblem(
        409,
        'amount_mismatch',
        `Received ${r.amountFen} fen but the purchase is ${p.totalFen} fen; only the exact amount can be matched`,
        { expectedFen: p.totalFen, receivedFen: r.amountFen },
      );
    }
    const now = new Date();
    await tx
      .update(bankStatementRows)
      .set({ state: 'matched_manual', purchaseId, decidedBy: who.userId, decidedAt: now })
      .where(eq(bankStatementRows.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: 'bank_transaction.match',
      entityType: 'bank_transaction',
      entityId: id,
      before: { state: r.state },
      after: { state: 'matched_manual', purchaseId, remittanceRef: p.remittanceRef, amountFen: r.amountFen },
      note: r.bankTxnId,
    });
    return { confirmed };
  });
  if (!out) return null;
  return { ...out, transaction: (await readTransaction(db, id))! };
}

/** Office: the row goes back to its payer (refund_marked) or is set aside (ignored), with the reason. */
export async function decideTransaction(
  db: Db,
  who: Principal,
  id: string,
  state: 'refund_marked' | 'ignored',
  reason: string,
) {
  const done = await db.transaction(async (tx) => {
    const r = await lockQueued(tx, id);
    if (!r) return false;
    await tx
      .update(bankStatementRows)
      .set({ state, decisionNote: reason, decidedBy: who.userId, decidedAt: new Date() })
      .where(eq(bankStatementRows.id, id));
    await writeAudit(tx, {
      actorUserId: who.userId,
      actorOrgId: who.orgId,
      action: state === 'ignored' ? 'bank_transaction.ignore' : 'bank_transaction.mark_refund',
      entityType: 'bank_transaction',
      entityId: id,
      before: { state: r.state },
      after: { state, reason, amountFen: r.amountFen },
      note: r.bankTxnId,
    });
    return true;
  });
  return done ? readTransaction(db, id) : null;
}
