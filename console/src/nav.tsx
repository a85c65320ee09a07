// The console's pages. The router and the sidebar both read this list, so adding a page is one entry here.
import type { ComponentType, ReactNode, SVGProps } from 'react';
import type { Role } from './api';
import { lazyPage } from './lib/lazyPage';
import {
  ActivityIcon,
  BadgeIcon,
  BotIcon,
  ChartIcon,
  ChatIcon,
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
  {
    path: '/',
    label: 'Overview',
    icon: HomeIcon,
    element: lazyPage(() => import('./pages/HomePage'), 'HomePage'),
  },
  {
    path: '/agents',
    label: 'Agents',
    icon: BotIcon,
    element: lazyPage(() => import('./pages/AgentsPage'), 'AgentsPage'),
    subpages: [
      { path: ':id', element: lazyPage(() => import('./pages/AgentDetailPage'), 'AgentDetailPage') },
      { path: ':id/skills', element: lazyPage(() => import('./pages/AgentSkillsPage'), 'AgentSkillsPage') },
    ],
  },
  {
    path: '/rooms',
    label: 'Rooms',
    icon: ChatIcon,
    element: lazyPage(() => import('./pages/RoomsPage'), 'RoomsPage'),
    subpages: [{ path: ':id', element: lazyPage(() => import('./pages/RoomPage'), 'RoomPage') }],
  },
  {
    path: '/capabilities',
    label: 'Capabilities',
    icon: BadgeIcon,
    element: lazyPage(() => import('./pages/CapabilitiesPage'), 'CapabilitiesPage'),
    minRole: 'manager',
  },
  {
    path: '/policies',
    label: 'Policies',
    icon: PolicyIcon,
    element: lazyPage(() => import('./pages/PoliciesPage'), 'PoliciesPage'),
    minRole: 'manager',
  },
  {
    path: '/integrations',
    label: 'Integrations',
    icon: PlugIcon,
    element: lazyPage(() => import('./pages/IntegrationsPage'), 'IntegrationsPage'),
    minRole: 'admin',
    subpages: [
      {
        path: ':id',
        element: lazyPage(() => import('./pages/IntegrationDetailPage'), 'IntegrationDetailPage'),
      },
    ],
  },
  {
    path: '/gateway-log',
    label: 'Gateway calls',
    icon: ActivityIcon,
    element: lazyPage(() => import('./pages/GatewayLogPage'), 'GatewayLogPage'),
    minRole: 'admin',
  },
  {
    path: '/delegations',
    label: 'Delegations',
    icon: HandoffIcon,
    element: lazyPage(() => import('./pages/DelegationsPage'), 'DelegationsPage'),
    minRole: 'admin',
  },
  {
    path: '/users',
    label: 'Users & roles',
    icon: UsersIcon,
    element: lazyPage(() => import('./pages/UsersPage'), 'UsersPage'),
  },
  {
    path: '/registration',
    label: 'Client registration',
    icon: ClipboardIcon,
    element: lazyPage(() => import('./pages/RegistrationPage'), 'RegistrationPage'),
    minRole: 'admin',
  },
  {
    path: '/keys',
    label: 'Signing keys',
    icon: KeyIcon,
    element: lazyPage(() => import('./pages/SigningKeysPage'), 'SigningKeysPage'),
    minRole: 'admin',
  },
  {
    path: '/audit',
    label: 'Audit log',
    icon: ScrollIcon,
    element: lazyPage(() => import('./pages/AuditLogPage'), 'AuditLogPage'),
    minRole: 'admin',
    subpages: [
      {
        path: 'checkpoints',
        element: lazyPage(() => import('./pages/AuditCheckpointsPage'), 'AuditCheckpointsPage'),
      },
    ],
  },
  {
    path: '/compliance',
    label: 'Compliance',
    icon: ShieldCheckIcon,
    element: lazyPage(() => import('./pages/CompliancePage'), 'CompliancePage'),
    minRole: 'admin',
  },
  {
    path: '/analytics',
    label: 'Analytics',
    icon: ChartIcon,
    element: lazyPage(() => import('./pages/AnalyticsPage'), 'AnalyticsPage'),
    minRole: 'admin',
  },
  {
    path: '/account',
    label: 'Account',
    icon: UserIcon,
    element: lazyPage(() => import('./pages/AccountPage'), 'AccountPage'),
  },
];
