import { useSession } from '../auth/SessionContext';
import { usePageTitle } from '../lib/usePageTitle';
import { AccessTokensCard } from '../registration/AccessTokensCard';
import { SettingsCard } from '../registration/SettingsCard';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { PageHeader } from '../ui/PageHeader';

/** /registration — dynamic client registration: on or off, default scopes, initial access tokens (admins only). */
export function RegistrationPage() {
  usePageTitle('Client registration');
  const { org, role } = useSession();
  return (
    <>
      <PageHeader
        title="Client registration"
        description={`Whether clients may register themselves with ${org.name} at POST /oauth/register, and the tokens they register with.`}
      />
      {role === 'admin' ? (
        <div className="stack">
          <SettingsCard />
          <AccessTokensCard />
        </div>
      ) : (
        // Only admins may read the settings: nobody else asks for them.
        <Card data-testid="registration-card">
          <EmptyState
            title="Only admins can manage client registration"
            description="Ask an admin of this organization for an initial access token."
            data-testid="registration-forbidden"
          />
        </Card>
      )}
    </>
  );
}
