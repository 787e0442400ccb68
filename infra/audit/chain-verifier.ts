import { GENESIS_HASH, chainHash, contentDigest } from '../event-store/canonical.ts';
import type { RecordedEvent } from '../event-store/port.ts';

/** What verification found wrong in one stream, at one revision (as stored now). */
export type ChainFinding =
  | Readonly<{
      kind: 'hash-mismatch';
      streamId: string;
      revision: number;
      eventId: string;
      message: string;
    }>
  | Readonly<{
      kind: 'missing-revisions';
      streamId: string;
      revision: number;
      through: number;
      message: string;
    }>
  | Readonly<{ kind: 'inserted'; streamId: string; revision: number; eventId: string; message: string }>
  | Readonly<{ kind: 'swapped'; streamId: string; revision: number; otherRevision: number; message: string }>;

export type ChainEvent = Pick<
  RecordedEvent,
  'streamId' | 'revision' | 'eventId' | 'type' | 'data' | 'metadata' | 'schemaVersion' | 'recordedAt' | 'hash'
>;

type Checked = Readonly<{ event: ChainEvent; digest: Buffer; stored: Buffer }>;

const check = (event: ChainEvent): Checked => ({
  event,
  digest: contentDigest(event),
  stored: Buffer.from(event.hash, 'hex'),
});

const links = (previous: Buffer, revision: number, event: Checked): boolean =>
  revision >= 0 && chainHash(previous, revision, event.digest).equals(event.stored);

/**
 * Recomputes the hash chains of a log fed in (stream, revision) order and
 * names each place where it breaks. Every link is checked against the
 * *stored* previous hash, so one edited event gives one finding, not a
 * cascade. When a link fails, the neighbours tell what happened: two events
 * that chain in the other order were swapped; an event whose successor
 * chains straight onto its predecessor was inserted (later revisions are then
 * checked with their original numbers); a jump in revisions is a deletion.
 *
 * Holds one stream's last two hashes and one event of look-ahead: constant
 * memory on any log.
 */
export class ChainVerifier {
  readonly #report: (finding: ChainFinding) => void;
  #streamId: string | null = null;
  #pending: Checked | null = null;
  #previous: Buffer = GENESIS_HASH;
  #beforePrevious: Buffer | null = null;
  #previousRevision = -1;
  #previousEventId = '';
  /** Stored revision + offset = the revision the event was hashed with (after insertions). */
  #offset = 0;
  #skipNext = false;
  streams = 0;
  events = 0;

  constructor(report: (finding: ChainFinding) => void) {
    this.#report = report;
  }

  push(event: ChainEvent): void {
    this.events += 1;
    if (event.streamId !== this.#streamId) {
      this.#flush();
      this.#streamId = event.streamId;
      this.streams += 1;
    }
    const next = check(event);
    if (this.#pending !== null) this.#judge(this.#pending, next);
    if (this.#skipNext) {
      this.#skipNext = false;
      this.#pending = null;
    } else {
      this.#pending = next;
    }
  }

  /** Call once after the last event. */
  end(): void {
    this.#flush();
    this.#streamId = null;
  }

  #flush(): void {
    if (this.#pending !== null) this.#judge(this.#pending, null);
    this.#pending = null;
    this.#previous = GENESIS_HASH;
    this.#beforePrevious = null;
    this.#previousRevision = -1;
    this.#offset = 0;
    this.#skipNext = false;
  }

  #advance(event: Checked): void {
    this.#beforePrevious = this.#previous;
    this.#previous = event.stored;
    this.#previousRevision = event.event.revision;
    this.#previousEventId = event.event.eventId;
  }

  #judge(current: Checked, next: Checked | null): void {
    const { streamId, revision, eventId } = current.event;
    const expected = this.#previousRevision + 1;
    if (revision !== expected) {
      const message =
        revision > expected
          ? `revision${revision - expected > 1 ? 's' : ''} ${expected}${revision - expected > 1 ? `..${revision - 1}` : ''} missing (deleted); revision ${revision} cannot be checked against its predecessor`
          : `revision ${revision} comes after ${this.#previousRevision}`;
      this.#report({
        kind: 'missing-revisions',
        streamId,
        revision: expected,
        through: revision - 1,
        message,
      });
      this.#advance(current);
      return;
    }
    const hashedAs = revision + this.#offset;
    if (links(this.#previous, hashedAs, current)) {
      this.#advance(current);
      return;
    }
    if (next?.event.revision === revision + 1) {
      if (links(this.#previous, hashedAs, next) && links(next.stored, hashedAs + 1, current)) {
        this.#report({
          kind: 'swapped',
          streamId,
          revision,
          otherRevision: revision + 1,
          message: `revisions ${revision} and ${revision + 1} are swapped: each chains in the other's place`,
        });
        this.#advance(next);
        this.#advance(current);
        this.#previousRevision = revision + 1;
        this.#skipNext = true;
        return;
      }
      if (links(this.#previous, hashedAs, next)) {
        this.#report({
          kind: 'inserted',
          streamId,
          revision,
          eventId,
          message: `revision ${revision} (${current.event.type}) was inserted: revision ${revision + 1} chains straight onto ${revision - 1}`,
        });
        this.#offset -= 1;
        this.#previousRevision = revision;
        return;
      }
    }
    if (this.#beforePrevious !== null && links(this.#beforePrevious, hashedAs - 1, current)) {
      this.#report({
        kind: 'inserted',
        streamId,
        revision: revision - 1,
        eventId: this.#previousEventId,
        message: `revision ${revision - 1} was inserted: revision ${revision} chains straight onto ${revision - 2}`,
      });
      this.#offset -= 1;
      this.#advance(current);
      return;
    }
    this.#report({
      kind: 'hash-mismatch',
      streamId,
      revision,
      eventId,
      message: `revision ${revision} (${current.event.type}) does not match its hash: its content, revision or hash was changed`,
    });
    this.#advance(current);
  }
}
