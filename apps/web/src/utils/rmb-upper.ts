const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿', '万'];

/**
 * An amount in 大写 as printed on Chinese delivery notes and purchase orders, which a total in
 * figures alone cannot be altered against: 123456 fen → "壹仟贰佰叁拾肆元伍角陆分", 100000 → "壹仟元整".
 */
export function rmbUpper(fen: number): string {
  const whole = Math.floor(Math.abs(fen) / 100);
  const jiao = Math.floor(Math.abs(fen) / 10) % 10;
  const cents = Math.abs(fen) % 10;
  let yuan = '';
  if (whole > 0) {
    const s = String(whole);
    for (let i = 0; i < s.length; i++) {
      const pos = s.length - 1 - i;
      const d = Number(s[i]);
      yuan += d === 0 ? '零' : DIGITS[d]! + UNITS[pos % 4]!;
      if (pos % 4 === 0 && pos > 0) yuan += GROUPS[pos / 4]!;
    }
    yuan =
      yuan
        .replace(/零+/g, '零')
        .replace(/零(万|亿)/g, '$1')
        .replace(/亿万/g, '亿')
        .replace(/零$/, '') + '元';
  }
  const sign = fen < 0 ? '负' : '';
  if (jiao === 0 && cents === 0) return `${sign}${yuan || '零元'}整`;
  const j = jiao ? `${DIGITS[jiao]}角` : whole > 0 ? '零' : '';
  const f = cents ? `${DIGITS[cents]}分` : '';
  return `${sign}${yuan}${j}${f}`;
}
