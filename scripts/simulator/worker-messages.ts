import type { SimulatorOptions, SimulatorStats } from './simulator-options.ts';

/** Parent → worker. `options` has no callbacks (IPC carries plain data). */
export type ToWorker = { type: 'start'; options: Omit<SimulatorOptions, 'onProgress'> } | { type: 'stop' };

/** Worker → parent. */
export type FromWorker =
  | { type: 'stats'; stats: SimulatorStats }
  | { type: 'ready'; stats: SimulatorStats }
  | { type: 'stopped'; stats: SimulatorStats }
  | { type: 'error'; message: string };
