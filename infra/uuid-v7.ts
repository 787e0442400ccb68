import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn 4 KiB at a time: `uuid`'s own v7 asks WebCrypto for 16
 * bytes per id, which cost the command handler about 4 % of its CPU and an
 * append of ten events a fifth of its Node time.
 */
const pool = new Uint8Array(4096);
let taken = pool.length;

/** Millisecond and counter of the last id: ids made in one process sort in the order they were made. */
const last = { msecs: -Infinity, seq: 0 };

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (byte: number): string => HEX[byte & 0xff] ?? '00';

/** The id's first two groups, the same for every id of one millisecond: printed once per millisecond. */
const timeText = { msecs: -Infinity, text: '' };

/**
 * The text of the uuid v7 that `uuid`'s `v7({ msecs, seq, random })` makes (its byte layout: 48 bits
 * of time, version, 31 bits of counter, variant, then random), printed in lower case from a table:
 * `uuid` builds it upper-case-insensitive and lower-cases it, a fifth of an id's cost.
 */
export const formatUuidV7 = (msecs: number, seq: number, random: Uint8Array, offset = 0): string => {
  if (timeText.msecs !== msecs) {
    const time = msecs.toString(16).padStart(12, '0');
    timeText.msecs = msecs;
    timeText.text = `${time.slice(0, 8)}-${time.slice(8, 12)}-`;
  }
  const r = (i: number): number => random[offset + i] ?? 0;
  return (
    timeText.text +
    hex(0x70 | ((seq >>> 28) & 0x0f)) +
    hex(seq >>> 20) +
    '-' +
    hex(0x80 | ((seq >>> 14) & 0x3f)) +
    hex(seq >>> 6) +
    '-' +
    hex(((seq << 2) & 0xff) | (r(10) & 0x03)) +
    hex(r(11)) +
    hex(r(12)) +
    hex(r(13)) +
    hex(r(14)) +
    hex(r(15))
  );
};

/** A uuid v7 (event ids, command ids), monotonic within the process as `uuid`'s own v7 is. */
export const uuidV7 = (): string => {
  if (taken + 16 > pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  const offset = taken;
  taken += 16;
  const now = Date.now();
  if (now > last.msecs) {
    // As `uuid` seeds it: 31 random bits, so the counter rarely wraps within a millisecond.
    last.seq =
      (((pool[offset + 6] ?? 0) & 0x7f) << 24) |
      ((pool[offset + 7] ?? 0) << 16) |
      ((pool[offset + 8] ?? 0) << 8) |
      (pool[offset + 9] ?? 0);
    last.msecs = now;
  } else {
    last.seq = (last.seq + 1) | 0;
    if (last.seq === 0) last.msecs += 1;
  }
  return formatUuidV7(last.msecs, last.seq, pool, offset);
};
