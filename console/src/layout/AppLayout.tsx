import { Outlet } from 'react-router';
import { useSession } from '../auth/SessionContext';
import { Sidebar } from './Sidebar';

export function AppLayout() {
  const session = useSession();
  return (
    <div className="app-shell">
      <Sidebar />
      <main className="app-main">
        {/* Keyed by org: switching orgs remounts the page, so every page reloads its data for the new org. */}
        <div className="app-content" key={session.org.id}>
          <Outlet />
        </div>
      </main>
    </div>
  );
}
