import { useState } from 'preact/hooks';
import { api, session, type Me } from '../api.js';

export function SignIn({ error, onSignedIn }: { error?: string | undefined; onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState(error);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const me = await api<Me>('GET', '/api/me', undefined, key.trim());
      session.signIn(key.trim());
      onSignedIn(me);
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Sign in to Tributary</h1>
      <form onSubmit={submit}>
        <label for="key">API key</label>
        <input id="key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <p class="hint">Kept in this tab only, and forgotten when you sign out or close it.</p>
        {problem && <p role="alert" class="error">{problem}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
