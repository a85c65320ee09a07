import { NavLink } from 'react-router';
import { cx } from '../lib/cx';
import { NAV_ITEMS } from '../nav';
import { LogoMark } from '../ui/icons';
import { CurrentUser } from './CurrentUser';
import { OrgSwitcher } from './OrgSwitcher';

export function Sidebar() {
  return (
    <aside className="sidebar">
      <div className="sidebar-brand">
        <LogoMark />
        <span className="sidebar-brand-name">Gatehouse</span>
      </div>
      <OrgSwitcher />
      <nav className="sidebar-nav" aria-label="Main">
        {NAV_ITEMS.map(({ path, label, icon: Icon }) => (
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
