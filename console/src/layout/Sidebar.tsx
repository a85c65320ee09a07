import { NavLink } from 'react-router';
import { useSession } from '../auth/SessionContext';
import { cx } from '../lib/cx';
import { roleAtLeast } from '../lib/roles';
import { NAV_ITEMS } from '../nav';
import { LogoMark } from '../ui/icons';
import { CurrentUser } from './CurrentUser';
import { OrgSwitcher } from './OrgSwitcher';

export function Sidebar() {
  const { role } = useSession();
  const items = NAV_ITEMS.filter((item) => !item.minRole || roleAtLeast(role, item.minRole));
  return (
    <aside className="sidebar">
      <div className="sidebar-brand">
        <LogoMark />
        <span className="sidebar-brand-name">Gatehouse</span>
      </div>
      <OrgSwitcher />
      <nav className="sidebar-nav" aria-label="Main">
        {items.map(({ path, label, icon: Icon }) => (
          <NavLink
            key={path}
            to={path}
            end={path === '/'}
            className={({ isActive }) => cx('nav-link', isActive && 'nav-link-active')}
          >
            <Icon />
            <span>{label}</span>
          </NavLink>
        ))}
      </nav>
      <CurrentUser />
    </aside>
  );
}
