/** The console shell: sign-in, then the header with navigation and the view of the current route. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Ctx } from './context.ts';
import { LiveEvents } from './live-events.ts';
import { href, useRoute } from './router.ts';
import { signIn, signOut, storedToken, type Session } from './session.ts';
import { SignIn } from './views/sign-in.tsx';
import { DevicesView } from './views/devices-view.tsx';
import { DeviceView } from './views/device-view.tsx';
import { QueryView } from './views/query-view.tsx';
import { JobsView } from './views/jobs-view.tsx';
import { JobView } from './views/job-view.tsx';

export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [restoring, setRestoring] = useState(Boolean(storedToken()));
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    signIn(token)
      .then(setSession)
      .catch(() => signOut())
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p class="page">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <Console
      session={session}
      onSignOut={() => {
        signOut();
        setSession(undefined);
      }}
    />
  );
}

function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const events = useMemo(() => new LiveEvents(session.api), [session]);
  const [live, setLive] = useState(events.connected);
  useEffect(() => {
    events.onStatus = setLive;
    return () => events.close();
  }, [events]);
  const section = route.view === 'device' ? 'devices' : route.view === 'job' ? 'jobs' : route.view;
  return (
    <Ctx.Provider value={{ api: session.api, role: session.role, events }}>
      <header class="top">
        <span class="brand">lwtwin</span>
        <nav aria-label="Main">
          <a href={href.devices()} aria-current={section === 'devices' ? 'page' : undefined}>
            Devices
          </a>
          <a href={href.query()} aria-current={section === 'query' ? 'page' : undefined}>
            Query
          </a>
          {session.role === 'operator' && (
            <a href={href.jobs()} aria-current={section === 'jobs' ? 'page' : undefined}>
              Jobs
            </a>
          )}
        </nav>
        <span class="who">
          <span class={`dot ${live ? 'on' : 'off'}`} title={live ? 'live events connected' : 'live events disconnected'} aria-label={live ? 'Live' : 'Offline'} role="img" />
          {session.role}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main class="page">
        {route.view === 'devices' && <DevicesView />}
        {route.view === 'device' && <DeviceView key={route.ep} ep={route.ep} />}
        {route.view === 'query' && <QueryView />}
        {route.view === 'jobs' && <JobsView />}
        {route.view === 'job' && <JobView key={route.id} id={route.id} />}
      </main>
    </Ctx.Provider>
  );
}
