import { createBrowserRouter, Outlet, type RouteObject } from 'react-router';
import { RequireAuth } from './auth/RequireAuth';
import { SessionProvider } from './auth/SessionProvider';
import { AppLayout } from './layout/AppLayout';
import { NAV_ITEMS } from './nav';
import { AcceptInvitePage } from './pages/AcceptInvitePage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';

const pageRoutes: RouteObject[] = NAV_ITEMS.flatMap((item): RouteObject[] => [
  item.path === '/'
    ? { index: true, element: item.element }
    : { path: item.path.slice(1), element: item.element },
  ...(item.subpages ?? []).map((sub) => ({
    path: `${item.path.slice(1)}/${sub.path}`,
    element: sub.element,
  })),
]);

export const router = createBrowserRouter(
  [
    {
      element: (
        <SessionProvider>
          <Outlet />
        </SessionProvider>
      ),
      children: [
        { path: 'login', element: <LoginPage /> },
        { path: 'accept-invite', element: <AcceptInvitePage /> },
        {
          path: '/',
          element: (
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          ),
          children: [...pageRoutes, { path: '*', element: <NotFoundPage /> }],
        },
      ],
    },
  ],
  // Trailing slash: the index page is /console/ (what the server redirects to), not /console.
  { basename: '/console/' },
);
