import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type Role = 'reader' | 'operator' | 'admin';

const RANK: Record<Role, number> = { reader: 1, operator: 2, admin: 3 };

/**
 * Bearer tokens and their roles. `reader` reads, queries and watches; `operator` also writes tags, desired and jobs;
 * `admin` everything.
 *
 * A presented token is compared with every configured token as HMAC-SHA-256 digests under a key drawn once per
 * process: the digests always have the same length, so the comparison (`timingSafeEqual`) takes the same time whatever
 * the length or content of either token, and the loop never stops early.
 */
export class TokenAuth {
  private readonly key = randomBytes(32);
  private readonly tokens: Array<{ digest: Buffer; role: Role }>;

  constructor(tokens: Record<string, Role>) {
    this.tokens = Object.entries(tokens).map(([t, role]) => ({ digest: this.digest(t), role }));
  }

  /** The role of a `Authorization` header value, or undefined when missing or unknown. Constant-time comparison. */
  roleOf(header: string | undefined): Role | undefined {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!m) return undefined;
    const given = this.digest(m[1]);
    let found: Role | undefined;
    for (const t of this.tokens) {
      if (timingSafeEqual(t.digest, given)) found = t.role;
    }
    return found;
  }

  static allows(role: Role, needed: Role): boolean {
    return RANK[role] >= RANK[needed];
  }

  private digest(token: string): Buffer {
    return createHmac('sha256', this.key).update(token, 'utf8').digest();
  }
}
