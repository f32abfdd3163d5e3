/** Submitting a job and following it to its end, for the views' inline actions. */
import type { LwTwinApi, RequestBodyOf, Schemas } from '../../api/lwtwin-api.ts';

export type JobRequest = RequestBodyOf<'/api/jobs', 'post'>;
export type Job = Schemas['JobView'];

export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

/** Submits `spec` and polls the job until it ends (or `timeoutMs` passes, then returns it as it is). */
export async function runJob(api: LwTwinApi, spec: JobRequest, timeoutMs = 60_000): Promise<Job> {
  const { jobId } = await api.call('post', '/api/jobs', { body: spec });
  const deadline = Date.now() + timeoutMs;
  let delay = 150;
  while (true) {
    const job = await api.call('get', '/api/jobs/{id}', { path: { id: jobId } });
    if (FINAL_STATUSES.has(job.status) || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 1000);
  }
}

/** One line about a finished single-device job: the value read, or why it failed. */
export function outcome(job: Job): { ok: boolean; text: string } {
  const r = job.results[0];
  if (job.status === 'completed' && r?.status === 'succeeded') return { ok: true, text: r.value === undefined ? 'done' : typeof r.value === 'string' ? r.value : JSON.stringify(r.value) };
  if (!FINAL_STATUSES.has(job.status)) return { ok: false, text: `still ${job.status} (job ${job.jobId})` };
  return { ok: false, text: r?.error ? `${r.error.code}: ${r.error.message}` : `job ${job.status}` };
}
