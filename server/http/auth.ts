import { timingSafeEqual } from 'node:crypto';

export type Role = 'reader' | 'operator' | 'admin';

const RANK: Record<Role, number> = { reader: 1, operator: 2, admin: 3 };

/** Bearer tokens and their roles. `reader` reads, queries and watches; `operator` also writes tags, desired and jobs; `admin` everything. */
export class TokenAuth {
  private readonly tokens: Array<{ token: Buffer; role: Role }>;

  constructor(tokens: Record<string, Role>) {
    this.tokens = Object.entries(tokens).map(([t, role]) => ({ token: Buffer.from(t), role }));
  }

  /** The role of a `Authorization` header value, or undefined when missing or unknown. Constant-time comparison. */
  roleOf(header: string | undefined): Role | undefined {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!m) return undefined;
    const given = Buffer.from(m[1]);
    let found: Role | undefined;
    for (const t of this.tokens) {
      if (t.token.length === given.length && timingSafeEqual(t.token, given)) found = t.role;
    }
    return found;
  }

  static allows(role: Role, needed: Role): boolean {
    return RANK[role] >= RANK[needed];
  }
}
