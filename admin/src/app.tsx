import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api, ApiError, can, session, type Me } from './api.js';
import { live, LiveStatus } from './live.js';
import { ChannelsPage } from './pages/channels.js';
import { ContactPage } from './pages/contact.js';
import { ContactsPage } from './pages/contacts.js';
import { DuplicatesPage } from './pages/duplicates.js';
import { MergesPage } from './pages/merges.js';
import { OwnersPage } from './pages/owners.js';
import { SignIn } from './pages/sign-in.js';

/** The console: sign in with an API key, then the screens its role may use (the API decides; the console mirrors it). */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!session.key()) return setMe(null);
    api<Me>('GET', '/api/me').then(setMe, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) session.signOut();
      else setError((e as Error).message);
      setMe(null);
    });
  }, []);

  if (me === undefined) return <p class="status" role="status">Loading…</p>;
  if (me === null) return <SignIn error={error} onSignedIn={setMe} />;
  return (
    <LocationProvider>
      <Shell me={me} onSignOut={() => { live.stop(); session.signOut(); setMe(null); }}>
        <Router>
          <Route path="/admin/" component={() => <ContactsPage me={me} />} />
          <Route path="/admin/contacts" component={() => <ContactsPage me={me} />} />
          <Route path="/admin/blocked" component={() => <ContactsPage me={me} blocked />} />
          <Route path="/admin/contacts/:id" component={({ id }: { id: string }) => <ContactPage me={me} id={id} />} />
          <Route path="/admin/duplicates" component={() => <DuplicatesPage me={me} />} />
          <Route path="/admin/merges" component={() => (can.manage(me) ? <MergesPage /> : <Refused />)} />
          <Route path="/admin/channels" component={() => (can.manage(me) ? <ChannelsPage /> : <Refused />)} />
          <Route path="/admin/owners" component={() => (can.own(me) ? <OwnersPage me={me} /> : <Refused />)} />
          <Route default component={() => <p role="alert">This page does not exist. <a href="/admin/">Contacts</a></p>} />
        </Router>
      </Shell>
    </LocationProvider>
  );
}

function Refused() {
  return <p role="alert">Your key's role cannot use this screen. <a href="/admin/">Contacts</a></p>;
}

function Shell({ me, onSignOut, children }: { me: Me; onSignOut: () => void; children: preact.ComponentChildren }) {
  const { path } = useLocation();
  useEffect(() => { live.start(); }, []);
  const link = (href: string, label: string) =>
    <a href={href} aria-current={path === href || (href === '/admin/contacts' && path === '/admin/') ? 'page' : undefined}>{label}</a>;
  return (
    <>
      <header>
        <strong>Tributary</strong>
        <nav aria-label="Main">
          {link('/admin/contacts', 'Contacts')}
          {link('/admin/blocked', 'Blocked')}
          {link('/admin/duplicates', 'Duplicates')}
          {can.manage(me) && link('/admin/merges', 'Merges')}
          {can.manage(me) && link('/admin/channels', 'Channels')}
          {can.own(me) && link('/admin/owners', 'Owners')}
        </nav>
        <LiveStatus />
        <span class="who">{me.name} <small>({me.role})</small></span>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      <main>{children}</main>
    </>
  );
}
