import { NavLink } from 'react-router';
import { cx } from '../lib/cx';

const TABS = [
  { to: '/audit', label: 'Records', testId: 'audit-tab-records' },
  { to: '/audit/checkpoints', label: 'Checkpoints', testId: 'audit-tab-checkpoints' },
] as const;

/** The audit log's two views: the records, and the signed checkpoints of their chain. */
export function AuditTabs() {
  return (
    <nav className="tabs" aria-label="Audit log">
      {TABS.map((t) => (
        <NavLink
          key={t.to}
          to={t.to}
          end
          className={({ isActive }) => cx('tab', isActive && 'tab-active')}
          data-testid={t.testId}
        >
          {t.label}
        </NavLink>
      ))}
    </nav>
  );
}
