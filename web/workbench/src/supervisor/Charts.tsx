// Small SVG charts of our own: horizontal bars and a line over time. Each
// has a title and a text alternative, so a screen reader reads the numbers.

interface Bar {
  label: string;
  value: number;
}

export function BarChart({ title, bars, unit }: { title: string; bars: readonly Bar[]; unit: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 22;
  const h = Math.max(rowH, bars.length * rowH);
  const summary = bars.map((b) => `${b.label}: ${round(b.value)}${unit}`).join(', ');
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg role="img" aria-label={`${title}: ${summary || '—'}`} viewBox={`0 0 320 ${h}`} width="100%" height={h}>
        {bars.map((b, i) => (
          <g key={b.label} transform={`translate(0 ${i * rowH})`}>
            <text x="0" y="15" font-size="11">{b.label.slice(0, 16)}</text>
            <rect x="110" y="4" height="14" width={Math.max(1, (b.value / max) * 170)} rx="2" class="bar" />
            <text x={116 + (b.value / max) * 170} y="15" font-size="11">{round(b.value)}{unit}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function LineChart({ title, points }: { title: string; points: readonly { t: number; v: number }[] }) {
  const w = 320;
  const h = 90;
  const max = Math.max(1, ...points.map((p) => p.v));
  const t0 = points[0]?.t ?? 0;
  const span = Math.max(1, (points[points.length - 1]?.t ?? 1) - t0);
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${((p.t - t0) / span) * (w - 10) + 5},${h - 5 - (p.v / max) * (h - 20)}`).join(' ');
  const lastV = points[points.length - 1]?.v ?? 0;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg role="img" aria-label={`${title}: ${lastV} (max ${max})`} viewBox={`0 0 ${w} ${h}`} width="100%" height={h}>
        <path d={d} class="line" fill="none" />
        <text x="4" y="12" font-size="11">{max}</text>
      </svg>
    </figure>
  );
}

function round(v: number): string {
  return v >= 10 ? String(Math.round(v)) : v.toFixed(1);
}
