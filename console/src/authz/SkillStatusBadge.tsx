import { Badge } from '../ui/Badge';

/** A skill counts while live; an expired one stays listed (and grants nothing) until granted again or revoked. */
export function SkillStatusBadge({ live }: { live: boolean }) {
  return (
    <span data-testid="skill-status" data-live={String(live)}>
      <Badge tone={live ? 'success' : 'warning'}>{live ? 'Live' : 'Expired'}</Badge>
    </span>
  );
}
