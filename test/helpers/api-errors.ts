import { ApiError } from '../../scripts/cli/api-client.ts';

/** Awaits `p`, which must fail with an HTTP error from the API, and returns that error (anything else rethrows). */
export async function apiFailure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an HTTP error');
}

/** Like apiFailure, as the status and the API's `message`. */
export async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  const err = await apiFailure(p);
  return { status: err.status, message: (err.body as { message?: string })?.message ?? err.message };
}
