// The console's pages. The router and the sidebar both read this list, so adding a page is one entry here.
import type { ComponentType, ReactNode, SVGProps } from 'react';
import type { Role } from './api';
import { AccountPage } from './pages/AccountPage';
import { AgentDetailPage } from './pages/AgentDetailPage';
import { AgentSkillsPage } from './pages/AgentSkillsPage';
import { AgentsPage } from './pages/AgentsPage';
import { AnalyticsPage } from './pages/AnalyticsPage';
import { AuditCheckpointsPage } from './pages/AuditCheckpointsPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { CapabilitiesPage } from './pages/CapabilitiesPage';
import { CompliancePage } from './pages/CompliancePage';
import { DelegationsPage } from './pages/DelegationsPage';
import { GatewayLogPage } from './pages/GatewayLogPage';
import { HomePage } from './pages/HomePage';
import { IntegrationDetailPage } from './pages/IntegrationDetailPage';
import { IntegrationsPage } from './pages/IntegrationsPage';
import { PoliciesPage } from './pages/PoliciesPage';
import { RegistrationPage } from './pages/RegistrationPage';
import { SigningKeysPage } from './pages/SigningKeysPage';
import { UsersPage } from './pages/UsersPage';
import {
  ActivityIcon,
  BadgeIcon,
  BotIcon,
  ChartIcon,
  ClipboardIcon,
  HandoffIcon,
  HomeIcon,
  KeyIcon,
  PlugIcon,
  PolicyIcon,
  ScrollIcon,
  ShieldCheckIcon,
  UserIcon,
  UsersIcon,
} from './ui/icons';

export interface NavItem {
  /** Path under the /console basename; '/' is the index page. */
  path: string;
  label: string;
  icon: ComponentType<SVGProps<SVGSVGElement>>;
  element: ReactNode;
  /** In the sidebar only for this role and above (the page itself still says when access is refused). */
  minRole?: Role;
  /** Pages under this one (a detail page), not in the sidebar; their paths are relative to `path`. */
  subpages?: ReadonlyArray<{ path: string; element: ReactNode }>;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/', label: 'Overview', icon: HomeIcon, element: <HomePage /> },
  {
    path: '/agents',
    label: 'Agents',
    icon: BotIcon,
    element: <AgentsPage />,
    subpages: [
      { path: ':id', element: <AgentDetailPage /> },
      { path: ':id/skills', element: <AgentSkillsPage /> },
    ],
  },
  {
    path: '/capabilities',
    label: 'Capabilities',
    icon: BadgeIcon,
    element: <CapabilitiesPage />,
    minRole: 'manager',
  },
  { path: '/policies', label: 'Policies', icon: PolicyIcon, element: <PoliciesPage />, minRole: 'manager' },
  {
    path: '/integrations',
    label: 'Integrations',
    icon: PlugIcon,
    element: <IntegrationsPage />,
    minRole: 'admin',
    subpages: [{ path: ':id', element: <IntegrationDetailPage /> }],
  },
  {
    path: '/gateway-log',
    label: 'Gateway calls',
    icon: ActivityIcon,
    element: <GatewayLogPage />,
    minRole: 'admin',
  },
  {
    path: '/delegations',
    label: 'Delegations',
    icon: HandoffIcon,
    element: <DelegationsPage />,
    minRole: 'admin',
  },
  { path: '/users', label: 'Users & roles', icon: UsersIcon, element: <UsersPage /> },
  {
    path: '/registration',
    label: 'Client registration',
    icon: ClipboardIcon,
    element: <RegistrationPage />,
    minRole: 'admin',
  },
  { path: '/keys', label: 'Signing keys', icon: KeyIcon, element: <SigningKeysPage />, minRole: 'admin' },
  {
    path: '/audit',
    label: 'Audit log',
    icon: ScrollIcon,
    element: <AuditLogPage />,
    minRole: 'admin',
    subpages: [{ path: 'checkpoints', element: <AuditCheckpointsPage /> }],
  },
  {
    path: '/compliance',
    label: 'Compliance',
    icon: ShieldCheckIcon,
    element: <CompliancePage />,
    minRole: 'admin',
  },
  { path: '/analytics', label: 'Analytics', icon: ChartIcon, element: <AnalyticsPage />, minRole: 'admin' },
  { path: '/account', label: 'Account', icon: UserIcon, element: <AccountPage /> },
];
