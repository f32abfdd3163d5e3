import { fork, type ChildProcess } from 'node:child_process';
import { ClientError } from '../../client/errors.ts';
import { addStats, emptyStats, MAX_DEVICES_PER_PROCESS, type SimulatorHandle, type SimulatorOptions, type SimulatorStats } from './simulator-options.ts';
import type { FromWorker, ToWorker } from './worker-messages.ts';
import { siblingModule } from '../runtime-entry.ts';

export interface ProcessesOptions extends SimulatorOptions {
  /** Worker processes. @defaultValue ceil(count / perProcess) */
  workers?: number;
  /** Most devices per worker (each holds one socket; the fd limit is 20,000 per process). @defaultValue 15000 */
  perProcess?: number;
  /** How long `stop()` waits for a worker to de-register its devices before killing it, ms. @defaultValue 60000 */
  stopTimeoutMs?: number;
}

const WORKER_ENTRY = siblingModule(import.meta.url, './worker.ts');

interface Worker {
  child: ChildProcess;
  stats: SimulatorStats;
  ready: boolean;
  exited: boolean;
}

/**
 * Runs the simulation in `ceil(count / 15000)` forked worker processes (or `workers`), each simulating a disjoint
 * slice of device indexes with `startSimulator`; counters are summed over IPC. `ready` resolves when every worker's
 * ramp is over; `stop()` de-registers everything and waits for the workers to exit.
 */
export function startSimulatorProcesses(options: ProcessesOptions): SimulatorHandle {
  const perProcess = options.perProcess ?? MAX_DEVICES_PER_PROCESS;
  if (!Number.isInteger(options.count) || options.count < 0) throw new ClientError('INVALID_OPTIONS', `count ${options.count} must be a non-negative integer`);
  const n = Math.max(1, options.workers ?? Math.ceil(options.count / perProcess));
  const share = Math.ceil(options.count / n);
  if (share > MAX_DEVICES_PER_PROCESS) throw new ClientError('INVALID_OPTIONS', `${share} devices per worker exceeds ${MAX_DEVICES_PER_PROCESS}`);
  const workers: Worker[] = [];
  const { onProgress, workers: _w, perProcess: _p, stopTimeoutMs: _s, ...plain } = options;
  let readyCount = 0;
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => undefined);

  const stats = (): SimulatorStats => workers.reduce((acc, w) => addStats(acc, w.stats), emptyStats());
  const progressTimer = onProgress ? setInterval(() => onProgress(stats()), options.progressIntervalMs ?? 1000) : undefined;
  progressTimer?.unref();

  for (let k = 0; k < n; k++) {
    const first = (options.firstIndex ?? 0) + k * share;
    const count = Math.max(0, Math.min(share, options.count - k * share));
    const child = fork(WORKER_ENTRY.file, [], { execArgv: [...WORKER_ENTRY.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w: Worker = { child, stats: emptyStats(), ready: false, exited: false };
    workers.push(w);
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'error') return rejectReady(new ClientError('INTERNAL', `simulator worker ${k}: ${msg.message}`));
      w.stats = msg.stats;
      if (msg.type === 'ready' && !w.ready) {
        w.ready = true;
        if (++readyCount === n) {
          onProgress?.(stats());
          resolveReady();
        }
      }
    });
    child.on('exit', (code) => {
      w.exited = true;
      if (!w.ready) rejectReady(new ClientError('INTERNAL', `simulator worker ${k} exited with code ${code} before its devices registered`));
    });
    // The concurrency bound is for the whole run: each worker gets its share.
    const concurrency = Math.max(1, Math.floor((options.concurrency ?? 500) / n));
    const start: ToWorker = { type: 'start', options: { ...plain, firstIndex: first, count, concurrency } };
    child.send(start);
  }

  return {
    ready,
    stats,
    async stop() {
      if (progressTimer) clearInterval(progressTimer);
      const timeout = options.stopTimeoutMs ?? 60_000;
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.exited) return resolve();
              const timer = setTimeout(() => w.child.kill('SIGKILL'), timeout);
              w.child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              const stop: ToWorker = { type: 'stop' };
              if (w.child.connected) w.child.send(stop);
              else w.child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
