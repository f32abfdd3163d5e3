/** Small pieces several views share: an error line, a pager, the job table. */
import type { ComponentChildren } from 'preact';
import type { Schemas } from '../../../api/lwtwin-api.ts';
import { age } from '../format.ts';
import { href } from '../router.ts';

/** The API's message of a failed call, announced to screen readers. */
export function ErrorText({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <p role="alert" class="error">
      {text}
    </p>
  );
}

/** Previous/next buttons over a stack of cursors. */
export function Pager({ label, hasPrevious, hasNext, onPrevious, onNext, children, noun = 'page' }: { label: string; hasPrevious: boolean; hasNext: boolean; onPrevious: () => void; onNext: () => void; children?: ComponentChildren; noun?: string }) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={!hasPrevious} onClick={onPrevious}>
        Previous {noun}
      </button>
      {children}
      <button type="button" disabled={!hasNext} onClick={onNext}>
        Next {noun}
      </button>
    </nav>
  );
}

function targetText(j: Schemas['JobSummary']): string {
  return j.target.kind === 'device' ? (j.target.deviceId ?? '') : j.target.kind === 'query' ? `WHERE ${j.target.query}` : `${j.counts.devices} devices`;
}

/** Jobs as a table: id (linked), type, target, status, progress, age. */
export function JobTable({ jobs, label, empty }: { jobs: Schemas['JobSummary'][]; label: string; empty: string }) {
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Type</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.jobId}>
              <td>
                <a href={href.job(j.jobId)}>{j.jobId}</a>
              </td>
              <td>{j.type}</td>
              <td>{targetText(j)}</td>
              <td>{j.status}</td>
              <td>
                {j.counts.succeeded + j.counts.failed + j.counts.cancelled}/{j.counts.devices}
              </td>
              <td>{age(j.createdAt)}</td>
            </tr>
          ))}
          {jobs.length === 0 && (
            <tr>
              <td colSpan={6}>{empty}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export { targetText };
