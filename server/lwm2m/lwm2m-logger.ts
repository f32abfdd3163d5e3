/** The structured logger the LwM2M server core writes to: pino's and Fastify's loggers fit. */
export interface LwM2mLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Drops everything. */
export const SILENT_LOGGER: LwM2mLogger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
