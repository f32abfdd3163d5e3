import type { Job } from 'bullmq';
import type { DeviceGateway } from '../device-gateway.ts';
import { BULL_ID, BULL_JOB, CONTROL_QUEUE } from '../queue-names.ts';
import type { JobStore } from '../store/job-store.ts';
import type { JobEventBus } from './job-events.ts';
import type { ChildJobData, DispatchJobData, JobQueues } from './job-queues.ts';

const BATCH = 500;

/**
 * Runs a fleet job's parent at its start time (docs/twin-model.md#fleet-jobs: one parent, one child per device): scheduled → queued,
 * then one child per device into the queue of the server that owns the device now (the control queue for devices
 * with no owner, and for twin updates, which need no device). Child ids are derived from the job id and the
 * device's position, so a dispatch repeated after a crash adds no duplicates. The job itself completes when its
 * last child finishes (see device-transition-5.lua), not when the parent does.
 */
export class Dispatcher {
  constructor(
    private readonly store: JobStore,
    private readonly events: JobEventBus,
    private readonly queues: JobQueues,
    private readonly gateway: DeviceGateway,
  ) {}

  async dispatch(bull: Job<DispatchJobData>): Promise<{ dispatched: number }> {
    const { jobId } = bull.data;
    const record = await this.store.read(jobId);
    if (!record || record.status === 'cancelled' || record.status === 'completed' || record.status === 'failed') return { dispatched: 0 };
    if (record.status === 'scheduled') {
      const status = await this.store.markQueued(jobId);
      if (status === 'queued') this.events.publish({ kind: 'status', jobId, jobType: record.type, status, counts: record.counts, time: new Date().toISOString() });
    }
    const total = record.counts.devices;
    for (let offset = 0; offset < total; offset += BATCH) {
      const devices = await this.store.devices(jobId, offset, BATCH);
      const twinOnly = record.payload.type === 'twinUpdate';
      const owners = twinOnly ? devices.map(() => undefined) : await Promise.all(devices.map((ep) => this.gateway.ownerOf(ep).catch(() => undefined)));
      const byQueue = new Map<string, { name: string; bullId: string; data: ChildJobData }[]>();
      devices.forEach((deviceId, i) => {
        const queueName = twinOnly ? CONTROL_QUEUE : this.queues.queueForOwner(owners[i]);
        const data: ChildJobData = { jobId, deviceId, payload: record.payload, deadline: record.deadline, attempts: record.attempts, attemptBase: 0, forwards: 0 };
        const list = byQueue.get(queueName) ?? [];
        list.push({ name: twinOnly ? BULL_JOB.twin : BULL_JOB.device, bullId: BULL_ID.child(jobId, offset + i), data });
        byQueue.set(queueName, list);
      });
      await Promise.all([...byQueue].map(([queueName, children]) => this.queues.addChildren(queueName, children)));
    }
    return { dispatched: total };
  }
}
