/**
 * The bench's chart as a self-contained SVG (no dependencies): drain rate against batch size (the resolver's
 * database work alone, and the real drain at the batch size it used), and the distribution of end-to-end latency.
 */
export interface ChartData {
  reference: { batch: number; perSecond: number }[];
  drain: { batch: number; perSecond: number };
  passThrough: number;
  latenciesMs: number[];
  title: string;
}

const W = 880;
const H = 340;
const PANEL = { w: 380, h: 230, top: 60 };

export function benchChart(data: ChartData): string {
  const left = panel(40, 'Drain rate by batch size (msg/s)', ratePanel(data));
  const right = panel(480, 'End-to-end latency, percentiles (ms)', latencyPanel(data.latenciesMs));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${escape(data.title)}</text>
${left}
${right}
</svg>
`;
}

function panel(x: number, title: string, body: string): string {
  return `<g transform="translate(${x},${PANEL.top})">
<text x="${PANEL.w / 2}" y="-12" text-anchor="middle" font-size="12">${escape(title)}</text>
<rect width="${PANEL.w}" height="${PANEL.h}" fill="none" stroke="#999"/>
${body}
</g>`;
}

function ratePanel(data: ChartData): string {
  const points = data.reference;
  const max = niceCeiling(Math.max(data.passThrough * 0.5, ...points.map((p) => p.perSecond), data.drain.perSecond));
  const batches = points.map((p) => p.batch);
  const lo = Math.log10(Math.min(...batches, data.drain.batch));
  const hi = Math.log10(Math.max(...batches, data.drain.batch));
  const x = (batch: number) => (hi === lo ? PANEL.w / 2 : 20 + ((Math.log10(batch) - lo) / (hi - lo)) * (PANEL.w - 40));
  const y = (rate: number) => PANEL.h - (rate / max) * PANEL.h;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.batch).toFixed(1)},${y(p.perSecond).toFixed(1)}`).join(' ');
  const target = y(data.passThrough * 0.45);
  return [
    ...ticks(max).map((value) => `<line x1="0" x2="${PANEL.w}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/><text x="-4" y="${y(value) + 4}" text-anchor="end">${format(value)}</text>`),
    `<line x1="0" x2="${PANEL.w}" y1="${target}" y2="${target}" stroke="#c33" stroke-dasharray="4 3"/><text x="${PANEL.w - 4}" y="${target - 4}" text-anchor="end" fill="#c33">0.45 × pass-through</text>`,
    `<path d="${line}" fill="none" stroke="#36c" stroke-width="2"/>`,
    ...points.map((p) => `<circle cx="${x(p.batch)}" cy="${y(p.perSecond)}" r="3" fill="#36c"/><text x="${x(p.batch)}" y="${PANEL.h + 14}" text-anchor="middle">${p.batch}</text>`),
    `<circle cx="${x(data.drain.batch)}" cy="${y(data.drain.perSecond)}" r="5" fill="#e80"/>`,
    `<text x="${PANEL.w / 2}" y="${PANEL.h + 28}" text-anchor="middle">messages per batch — blue: database alone; orange: the resolver with Kafka</text>`,
  ].join('\n');
}

function latencyPanel(latencies: number[]): string {
  if (latencies.length === 0) return '';
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentiles = [50, 75, 90, 95, 99, 99.9, 100];
  const values = percentiles.map((p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
  const max = niceCeiling(values.at(-1)!);
  const bar = (PANEL.w - 40) / percentiles.length;
  return [
    ...ticks(max).map((value) => `<line x1="0" x2="${PANEL.w}" y1="${PANEL.h - (value / max) * PANEL.h}" y2="${PANEL.h - (value / max) * PANEL.h}" stroke="#eee"/><text x="-4" y="${PANEL.h - (value / max) * PANEL.h + 4}" text-anchor="end">${format(value)}</text>`),
    ...values.map((value, i) => {
      const h = (value / max) * PANEL.h;
      const x = 20 + i * bar;
      return `<rect x="${x + 4}" y="${PANEL.h - h}" width="${bar - 8}" height="${h}" fill="#36c"/><text x="${x + bar / 2}" y="${PANEL.h - h - 4}" text-anchor="middle">${value.toFixed(1)}</text><text x="${x + bar / 2}" y="${PANEL.h + 14}" text-anchor="middle">p${percentiles[i]}</text>`;
    }),
    `<text x="${PANEL.w / 2}" y="${PANEL.h + 28}" text-anchor="middle">${latencies.length} messages, HTTP request to the resolved topic</text>`,
  ].join('\n');
}

function ticks(max: number): number[] {
  return [0.25, 0.5, 0.75, 1].map((share) => max * share);
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return Math.ceil(value / magnitude) * magnitude;
}

function format(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k` : String(Math.round(value));
}

function escape(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
