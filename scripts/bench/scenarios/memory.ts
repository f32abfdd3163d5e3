/**
 * Scenario `memory`: server RSS and V8 heap growth per registered (and observed) device, from the registration
 * rounds (fleet-round.ts): (after − idle baseline) / devices. Median of `runs` rounds.
 */
import { figure, type BenchContext, type ScenarioResult } from '../bench-types.ts';
import { median } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { fleetRounds } from './fleet-round.ts';

export async function memoryScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const figures = [];
  const details = [];
  for (const devices of ctx.sizes.memory.devices) {
    const runs = await fleetRounds(ctx, devices);
    const size = `${devices.toLocaleString('en-US')} devices`;
    const rss = runs.map((r) => r.rssPerDeviceBytes);
    const settled = runs.map((r) => r.rssSettledPerDeviceBytes);
    const heap = runs.map((r) => r.heapPerDeviceBytes);
    figures.push(
      figure('memory', `RSS per device, idle after the storm (${size})`, 'B', settled, median(settled), TARGETS.rssBytesPerDevice),
      figure('memory', `RSS per device, 3 s after the storm (${size})`, 'B', rss, median(rss)),
      figure('memory', `heap per device (${size})`, 'B', heap, median(heap)),
    );
    const split = runs.find((r) => r.heapSplit)?.heapSplit;
    if (split) {
      // The heap split of the first run: which part of the server holds the bytes (scripts/bench/heap-split.ts).
      for (const p of split.parts) figures.push(figure('memory', `heap in ${p.part} per device (${size}, snapshot)`, 'B', [p.bytes / devices], p.bytes / devices));
      figures.push(figure('memory', `heap per device in the snapshot (${size}, after GC)`, 'B', [split.totalBytes / devices], split.totalBytes / devices));
    }
    details.push({ devices, heapSplit: split, runs: runs.map((r) => ({ rssBaselineBytes: r.rssBaselineBytes, rssBytes: r.rssBytes, rssSettledBytes: r.rssSettledBytes, heapBaselineBytes: r.heapBaselineBytes, heapBytes: r.heapBytes, observedShare: r.observedShare })) });
  }
  const notes = [
    'Per device = (server RSS or heap after every device registered and observed − idle baseline) / devices; includes four observations per device and the registration cache.',
    'RSS idle after the storm: the lowest RSS sampled once a second over 40 s after every device is observed (V8 gives the storm\'s garbage back when its memory reducer runs, after ~30 s of low allocation); 3 s after the storm it is mostly that garbage. Heap per device: heap used 3 s after, not after GC.',
    `Heap split: one heap snapshot (first run, fleets up to 20,000 devices) whose objects are attributed to the part that reaches them first (scripts/bench/heap-split.ts); "other" is the rest of the process (code, modules, baseline).`,
  ];
  return { name: 'memory', figures, details, notes, seconds: (performance.now() - t0) / 1000 };
}
