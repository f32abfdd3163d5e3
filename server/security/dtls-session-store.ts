import type { DtlsSessionPersistence } from '../../protocol/dtls/session-snapshot.ts';

/**
 * Established DTLS sessions kept beyond the process that made them, so a restarted node or another node carries a
 * device's session on without a handshake. It is the coaps socket's `DtlsSessionPersistence`
 * (protocol/dtls/session-snapshot.ts); protocol/dtls/session-keeper.ts decides what is written when.
 *
 * Contract (test/server/security/dtls-session-store.contract.ts, run against every implementation):
 * - `persist` replaces the snapshot of its handle, indexes it by its CID (when it has one) and by its peer address,
 *   sets its lifetime to `ttlMs`, and reserves a block of write sequence numbers starting at or above both `fromSeq`
 *   and the end of every block reserved for the handle before (atomically: two callers never get overlapping blocks);
 * - `findByCid` / `findByAddress` follow an index to a snapshot; an address holds the latest session persisted there;
 * - `remove` deletes the snapshot and the indexes still naming it;
 * - secrets are stored encrypted with the server secret (Redis); a tampered snapshot, or one sealed with another
 *   secret, is refused with an error, never returned.
 */
export interface DtlsSessionStore extends DtlsSessionPersistence {
  close(): Promise<void>;
}
