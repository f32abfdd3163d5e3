import { Prng } from '../../scripts/simulator/prng.ts';

/**
 * A seeded PRNG for tests that want random but reproducible input (fuzzing): the simulator's mulberry32, so every
 * run with the same seed sees the same sequence. Uniform in [0, 1).
 */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}
