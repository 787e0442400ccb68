import { createHash } from 'node:crypto';
import { contentDigest } from '../event-store/canonical.ts';
import type { RecordedEvent } from '../event-store/port.ts';

const ZERO = Buffer.alloc(32);

/**
 * A running digest over the global log in order:
 * D(n) = SHA-256(D(n-1) ‖ revision as 8 bytes ‖ SHA-256(canonical event) ‖ stored hash), D(0) = 32 zero bytes.
 * It recomputes each event's content digest (so an edit is caught even when
 * the attacker also rewrote the stored hash chain) and follows the log order
 * (so moving, inserting or deleting any event before the checkpoint changes it).
 * Positions themselves are not hashed: the order is what counts.
 */
export class LogDigest {
  #digest: Buffer = ZERO;
  #count = 0;

  update(event: Pick<RecordedEvent, 'revision' | 'hash'> & Parameters<typeof contentDigest>[0]): void {
    const revision = Buffer.alloc(8);
    revision.writeBigInt64BE(BigInt(event.revision));
    this.#digest = createHash('sha256')
      .update(this.#digest)
      .update(revision)
      .update(contentDigest(event))
      .update(Buffer.from(event.hash, 'hex'))
      .digest();
    this.#count += 1;
  }

  get count(): number {
    return this.#count;
  }

  get hex(): string {
    return this.#digest.toString('hex');
  }
}
