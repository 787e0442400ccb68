import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2]!;
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))[0]!;
const p = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
const self = new Map<number, number>();
const dt: number[] = p.timeDeltas; const samples: number[] = p.samples;
samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const agg = new Map<string, number>();
let total = 0;
for (const [id, t] of self) { const n: any = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; agg.set(k, (agg.get(k) ?? 0) + t); total += t; }
// inclusive by url file
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
for (const [id, t] of self) { const seen = new Set<string>(); let cur: number | undefined = id; while (cur !== undefined) { const n: any = byId.get(cur); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; if (!seen.has(k)) { incl.set(k, (incl.get(k) ?? 0) + t); seen.add(k); } cur = parent.get(cur); } }
console.log('total ms', (total / 1000).toFixed(0));
console.log('--- self');
for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((100 * t / total).toFixed(1).padStart(5), k);
console.log('--- inclusive');
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log((100 * t / total).toFixed(1).padStart(5), k);
