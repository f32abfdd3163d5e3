import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { LwTwinApi } from '../../api/lwtwin-api.ts';
import type { LiveEvents } from './live-events.ts';
import type { Role } from './session.ts';

export interface ConsoleContext {
  api: LwTwinApi;
  role: Role;
  events: LiveEvents;
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useConsole outside a signed-in console');
  return c;
}
