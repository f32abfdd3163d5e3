/**
 * Scenario `registration` (OMA TS Core 1.1 §6.2 Client Registration): N virtual devices Register against a fresh server; registrations/s, Register →
 * 2.01 p50/p99, and the time until the server observes objects 3, 4, 5, 6 of every device. Median of `runs` rounds.
 */
import { figure, type BenchContext, type ScenarioResult } from '../bench-types.ts';
import { median } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { fleetRounds } from './fleet-round.ts';

export async function registrationScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const figures = [];
  const details = [];
  const notes: string[] = [];
  for (const devices of ctx.sizes.registration.devices) {
    const runs = await fleetRounds(ctx, devices);
    const size = `${devices.toLocaleString('en-US')} devices`;
    const col = (k: 'registrationsPerSec' | 'registerP50Ms' | 'registerP99Ms' | 'observedSec' | 'serverCpuPercent' | 'redisCpuPercent' | 'redisCommandsPerDevice') => runs.map((r) => r[k]);
    figures.push(
      figure('registration', `registrations/s (${size})`, '/s', col('registrationsPerSec'), median(col('registrationsPerSec')), TARGETS.registrationsPerSec),
      figure('registration', `Register p50 (${size})`, 'ms', col('registerP50Ms'), median(col('registerP50Ms'))),
      figure('registration', `Register p99 (${size})`, 'ms', col('registerP99Ms'), median(col('registerP99Ms'))),
      figure('registration', `all devices registered and observed after (${size})`, 's', col('observedSec'), median(col('observedSec')), devices >= 100_000 ? TARGETS.stormObservedSec : undefined),
      figure('registration', `server CPU while registering (${size})`, '% core', col('serverCpuPercent'), median(col('serverCpuPercent'))),
      figure('registration', `Redis CPU while registering (${size})`, '% core', col('redisCpuPercent'), median(col('redisCpuPercent'))),
      figure('registration', `Redis commands per device, Register to observed (${size})`, '', col('redisCommandsPerDevice'), median(col('redisCommandsPerDevice'))),
    );
    const failed = runs.reduce((s, r) => s + r.failed, 0);
    if (failed > 0) notes.push(`${failed} Registers failed over ${runs.length} runs of ${size}: ${runs.flatMap((r) => r.errors).slice(0, 3).join('; ')}`);
    const partial = runs.filter((r) => r.observedShare < 1);
    if (partial.length > 0) notes.push(`${size}: observations incomplete after ${ctx.sizes.registration.observeWaitSec} s in ${partial.length} run(s) (${partial.map((r) => `${(r.observedShare * 100).toFixed(0)} %`).join(', ')})`);
    const shed = runs.filter((r) => r.downlinkRefused > 0 || Object.keys(r.setupOutcomes).some((k) => k !== 'observing'));
    if (shed.length > 0) {
      notes.push(`${size}: observation set-ups held back or retried (per run): ${shed.map((r) => `${JSON.stringify(r.setupOutcomes)}, downlink refused ${r.downlinkRefused}`).join('; ')}`);
    }
    details.push({ devices, runs });
  }
  return { name: 'registration', figures, details, notes, seconds: (performance.now() - t0) / 1000 };
}
