import { type FormEvent, type KeyboardEvent, useRef, useState } from 'react';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';

/** "Still typing" goes out at most this often while keys are pressed. */
const TYPING_EVERY_MS = 3_000;

export interface ComposerProps {
  send: (body: string) => Promise<void>;
  setTyping: (typing: boolean) => void;
  /** Why nothing can be sent right now (offline, read only, …); the composer is disabled with it. */
  disabledReason: string | null;
}

/** Writes a message: Enter sends, Shift+Enter starts a new line. */
export function Composer({ send, setTyping, disabledReason }: ComposerProps) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const lastTyping = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);

  function stopTyping() {
    if (!lastTyping.current) return;
    lastTyping.current = 0;
    setTyping(false);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const body = text.trim();
    if (!body || busy || disabledReason) return;
    setBusy(true);
    setError(null);
    stopTyping();
    try {
      await send(body);
      setText('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  function onChange(value: string) {
    setText(value);
    if (!value) stopTyping();
    else if (Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      setTyping(true);
    }
  }

  return (
    <form className="composer" onSubmit={submit} data-testid="composer">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <div className="composer-row">
        <textarea
          ref={input}
          className="input textarea composer-input"
          aria-label="Message"
          placeholder={disabledReason ?? 'Write a message'}
          rows={2}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
          disabled={Boolean(disabledReason)}
          data-testid="composer-input"
        />
        <Button
          type="submit"
          variant="primary"
          loading={busy}
          disabled={Boolean(disabledReason) || !text.trim()}
          data-testid="composer-send"
        >
          Send
        </Button>
      </div>
    </form>
  );
}
