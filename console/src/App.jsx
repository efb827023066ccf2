import { useEffect, useState } from 'react';
import AppLayout from '@cloudscape-design/components/app-layout';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import Flashbar from '@cloudscape-design/components/flashbar';
import * as api from './api.js';
import { useRoute } from './poll.js';
import SignIn from './pages/SignIn.jsx';
import SourceServers from './pages/SourceServers.jsx';
import SourceServer from './pages/SourceServer.jsx';
import Applications from './pages/Applications.jsx';
import LaunchHistory from './pages/LaunchHistory.jsx';
import ReplicationServers from './pages/ReplicationServers.jsx';

const NAV = [
  { type: 'link', text: 'Source servers', href: '#/servers' },
  { type: 'link', text: 'Applications and waves', href: '#/applications' },
  { type: 'link', text: 'Launch history', href: '#/jobs' },
  { type: 'link', text: 'Replication servers', href: '#/replication-servers' },
];

export default function App() {
  const [session, setSession] = useState(api.state());
  const route = useRoute();
  const [notices, setNotices] = useState([]);
  useEffect(() => api.onChange(setSession), []);
  useEffect(() => {
    const active = () => api.touch();
    window.addEventListener('keydown', active);
    window.addEventListener('pointerdown', active);
    return () => {
      window.removeEventListener('keydown', active);
      window.removeEventListener('pointerdown', active);
    };
  }, []);

  if (!session.signedIn) {
    return <SignIn />;
  }
  // Each notice dismissible by its own labelled button (axe: buttons must have discernible text).
  const notify = (n) => {
    const id = String(Date.now()) + Math.random();
    setNotices((all) => [{ ...n, id, dismissible: true, dismissLabel: 'Dismiss notification', onDismiss: () => setNotices((x) => x.filter((y) => y.id !== id)) }, ...all].slice(0, 3));
  };
  const flash = [
    ...(session.reachable
      ? []
      : [{ type: 'error', id: 'unreachable', header: 'The control plane is unreachable', content: 'The console keeps trying; what you see is the last answer it had.' }]),
    ...notices,
  ];
  const [page, id] = route;
  let content;
  if (page === 'servers' && id) content = <SourceServer id={id} notify={notify} />;
  else if (page === 'applications') content = <Applications notify={notify} />;
  else if (page === 'jobs') content = <LaunchHistory jobId={id} />;
  else if (page === 'replication-servers') content = <ReplicationServers />;
  else content = <SourceServers notify={notify} />;
  return (
    <>
      <div id="top-nav">
        <TopNavigation
          identity={{ href: '#/servers', title: 'liftshift: Application Migration' }}
          utilities={[
            { type: 'button', text: 'Sign out', title: `Signed in with ${session.accessKeyId}`, onClick: () => api.signOut() },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        ariaLabels={{
          navigation: 'Side navigation',
          navigationClose: 'Close side navigation',
          navigationToggle: 'Open side navigation',
          notifications: 'Notifications',
          tools: 'Help panel',
          toolsClose: 'Close help panel',
          toolsToggle: 'Open help panel',
        }}
        navigation={<SideNavigation header={{ text: 'Migration', href: '#/servers' }} activeHref={'#/' + page} items={NAV} />}
        notifications={<Flashbar items={flash} />}
        toolsHide
        content={content}
        contentType="table"
      />
    </>
  );
}
