/**
 * Entry of a simulator worker process (forked by `startSimulatorProcesses`): runs one slice of the devices with
 * `startSimulator` and reports its counters over IPC. Stops on a 'stop' message or when the parent goes away.
 */
import { startSimulator, type LocalSimulatorHandle } from './simulator.ts';
import { emptyStats } from './simulator-options.ts';
import type { FromWorker, ToWorker } from './worker-messages.ts';

let handle: LocalSimulatorHandle | undefined;
let stopping = false;

function post(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await handle?.stop().catch(() => undefined);
  await post({ type: 'stopped', stats: handle?.stats() ?? emptyStats() });
  process.exit(0);
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'start' && !handle) {
    try {
      handle = startSimulator({ ...msg.options, onProgress: (stats) => void post({ type: 'stats', stats }) });
    } catch (err) {
      void post({ type: 'error', message: err instanceof Error ? err.message : String(err) }).then(() => process.exit(1));
      return;
    }
    handle.ready.then(
      () => post({ type: 'ready', stats: handle!.stats() }),
      (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (msg.type === 'stop') {
    void stop();
  }
});

process.on('disconnect', () => void stop());
