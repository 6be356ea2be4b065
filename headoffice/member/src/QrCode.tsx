/** A QR code as one SVG path (uqr encodes; no canvas, no data: URL, so the strict CSP holds). */
import { encode } from 'uqr';

export function QrCode({ text, size, label }: { text: string; size: number; label: string }) {
  const { data } = encode(text, { ecc: 'M', border: 2 });
  const n = data.length;
  let d = '';
  data.forEach((row, y) => {
    row.forEach((on, x) => {
      if (on) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return (
    <svg
      data-testid="qr"
      data-qr={text}
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${n} ${n}`}
      shapeRendering="crispEdges"
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
