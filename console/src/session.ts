/**
 * The signed-in session: the API token (kept in sessionStorage, so it ends with the tab), the typed API client and
 * the token's role. The role is found through the API itself: any token that may list jobs is an operator.
 */
import { ApiError, LwTwinApi } from '../../api/lwtwin-api.ts';

export type Role = 'reader' | 'operator';

export interface Session {
  api: LwTwinApi;
  role: Role;
}

const KEY = 'lwtwin.token';

/** Checks a token against the API; throws ApiError with the API's message when it is refused. */
export async function signIn(token: string): Promise<Session> {
  const api = new LwTwinApi('', token);
  await api.call('get', '/api/devices', { query: { limit: 1 } });
  let role: Role = 'operator';
  try {
    await api.call('get', '/api/jobs', { query: { limit: 1 } });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
    role = 'reader';
  }
  sessionStorage.setItem(KEY, token);
  return { api, role };
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** The API's message of a failed call, for showing to the operator. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const body = err.body as { message?: string } | undefined;
    return body && typeof body === 'object' && body.message ? body.message : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
