/** "+12.3%" / "-4.0%" / "—": a change (year on year, against pace) reads with its sign; no figure reads as a dash. */
export const signedPct = (p: number | null) => (p === null ? '—' : `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`);
