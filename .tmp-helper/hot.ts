import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { openPostgresEventStore } from '../infra/event-store/postgres/open.ts';
import { createTestSchema } from '../infra/postgres/test-database.ts';
import { openCommandSide } from '../commands/open.ts';
import { commandPolicy } from '../commands/policy.ts';
import { allCommands } from '../commands/definitions/index.ts';

const counts = new Map<string, number>();
const logger = pino({ level: 'debug' }, { write: (line: string) => { const j = JSON.parse(line); const m = `${j.msg as string} ${String(j.err?.message ?? '')}`; counts.set(m, (counts.get(m) ?? 0) + 1); } });
const db = await createTestSchema('hot_probe', 20);
const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
const { bus } = await openCommandSide({ pool: db.pool, store, schema: db.schema, definitions: allCommands, policy: commandPolicy(), logger });
const hot = process.argv[2] !== 'spread';
const skus = hot ? 1 : 2000;
await Promise.all(Array.from({ length: skus }, (_, i) => bus.execute('inventory.receive', { commandId: uuidv7(), data: { sku: `s${i}`, receiptId: 'r', quantity: 1_000_000 } })));
let pids: number[] = [];
setTimeout(async () => { pids = (await db.pool.query<{pid:number}>('select pid from pg_stat_activity where application_name = $1', [`test:${db.schema}`])).rows.map(r => r.pid); pg0 = ticks(); }, 1000);
const ticks = () => pids.reduce((sum, pid) => { try { const st = readFileSync(`/proc/${pid}/stat`, 'latin1'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return sum + Number(f[11]) + Number(f[12]); } catch { return sum; } }, 0);
let pg0 = 0;
let ops = 0; const end = Date.now() + 6000; const t0 = process.cpuUsage();
await Promise.all(Array.from({ length: 32 }, async (_, w) => { for (let seq = 0; Date.now() < end; seq++) {
  const r = await bus.execute('inventory.reserve', { commandId: uuidv7(), data: { sku: `s${(w * 7919 + seq * 104729) % skus}`, reservationId: `r-${w}-${seq}`, orderId: `o-${w}-${seq}`, quantity: 1, expiresAt: '2099-01-01T00:00:00.000Z' } });
  if (r.status !== 'accepted') throw new Error(JSON.stringify(r)); ops++; } }));
const cpu = process.cpuUsage(t0); const pgMs = (ticks() - pg0) * 10;
console.log(JSON.stringify({ opsPerSec: ops / 6, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / ops, pgMsPerOp: pgMs / (ops * 5 / 6), backends: pids.length, logs: Object.fromEntries(counts) }));
await db.drop();
