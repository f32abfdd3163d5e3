import { startSimulatorProcesses, type ProcessesOptions } from './processes.ts';
import { startSimulator } from './simulator.ts';
import { MAX_DEVICES_PER_PROCESS, type SimulatorHandle } from './simulator-options.ts';

/**
 * Runs a simulation the cheapest way: in this process when it fits (`count` ≤ `perProcess`, default 15,000, and no
 * `workers` asked for), otherwise in `ceil(count / perProcess)` forked workers. This is what `lwtwin simulate` calls.
 */
export function simulate(options: ProcessesOptions): SimulatorHandle {
  const perProcess = options.perProcess ?? MAX_DEVICES_PER_PROCESS;
  if (options.workers === undefined && options.count <= perProcess) {
    const { workers: _w, perProcess: _p, stopTimeoutMs: _s, ...local } = options;
    return startSimulator(local);
  }
  return startSimulatorProcesses(options);
}
