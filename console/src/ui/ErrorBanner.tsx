import { ApiError } from '../api';
import { Button } from './Button';
import { AlertIcon } from './icons';

export interface ErrorBannerProps {
  /** An ApiError (problem+json) or anything thrown; nothing renders for null/undefined. */
  error: unknown;
  onRetry?: () => void;
  onDismiss?: () => void;
  /** The form's inputs: when every field error belongs to one, they show inline and the banner points at them. */
  fields?: readonly string[];
}

type Described = { message: string; requestId?: string | undefined };

function describe(error: unknown, fields: readonly string[]): Described {
  if (error instanceof ApiError) {
    if (error.onlyFields(fields)) return { message: 'Check the highlighted fields.' };
    // The problem's `detail ?? title`. Titles are HTTP reason phrases ("Unauthorized"), so a detail replaces
    // them; the request id only helps support with server faults, so ordinary 4xx answers hide it.
    return { message: error.displayMessage, requestId: error.status >= 500 ? error.requestId : undefined };
  }
  if (error instanceof Error && error.message) return { message: error.message };
  return { message: 'Something went wrong. Try again.' };
}

export function ErrorBanner({ error, onRetry, onDismiss, fields = [] }: ErrorBannerProps) {
  if (error === null || error === undefined) return null;
  const { message, requestId } = describe(error, fields);
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <AlertIcon className="error-banner-icon" />
      <div className="error-banner-text">
        <p className="error-banner-message" data-testid="error-message">
          {message}
        </p>
        {requestId && <p className="error-banner-meta">Request ID: {requestId}</p>}
      </div>
      {(onRetry || onDismiss) && (
        <div className="error-banner-actions">
          {onRetry && (
            <Button size="sm" variant="ghost" onClick={onRetry}>
              Retry
            </Button>
          )}
          {onDismiss && (
            <Button size="sm" variant="ghost" onClick={onDismiss} aria-label="Dismiss error">
              Dismiss
            </Button>
          )}
        </div>
      )}
    </div>
  );
}
