/** Text typed at a Chinese till: what a cashier's IME produces is folded to what the rules read. */

/** Full-width forms U+FF01..U+FF5E -> ASCII, ideographic space -> space ("１３８" -> "138"). */
export function foldFullWidth(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else out += s.charAt(i);
  }
  return out;
}
