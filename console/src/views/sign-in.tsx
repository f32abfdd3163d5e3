/** Sign-in: one field labelled Token; a refused token shows the API's own message. */
import { useState } from 'preact/hooks';
import { messageOf, signIn, type Session } from '../session.ts';
import { ErrorText } from './parts.tsx';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(token.trim()));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="page signin">
      <h1>lwtwin console</h1>
      <form onSubmit={submit}>
        <label for="token">Token</label>
        <input id="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <p class="hint">An API token (reader or operator). The admin token of `npm start` is in .lwtwin/admin-token.</p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorText text={error} />
      </form>
    </main>
  );
}
