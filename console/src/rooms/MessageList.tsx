import { useLayoutEffect, useRef, useState } from 'react';
import { formatDateTime } from '../lib/format';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { ChatIcon } from '../ui/icons';
import { type Directory, PrincipalName } from './PrincipalName';
import type { RoomMessage } from './types';

/** Within this many pixels of the bottom, a new message scrolls into view; further up, the reader stays put. */
const STICK_PX = 80;

export interface MessageListProps {
  messages: readonly RoomMessage[];
  dir: Directory;
  hasEarlier: boolean;
  loadEarlier: () => Promise<void>;
}

/** The conversation, oldest first, kept scrolled to the newest while the reader is at the bottom. */
export function MessageList({ messages, dir, hasEarlier, loadEarlier }: MessageListProps) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const newest = messages.at(-1)?.id;

  useLayoutEffect(() => {
    const el = box.current;
    if (el && newest && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [newest]);

  async function earlier() {
    setLoadingEarlier(true);
    try {
      await loadEarlier();
    } finally {
      setLoadingEarlier(false);
    }
  }

  return (
    <div
      className="message-scroll"
      ref={box}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
      }}
      data-testid="message-list"
    >
      {hasEarlier && (
        <div className="message-earlier">
          <Button
            size="sm"
            variant="ghost"
            onClick={earlier}
            loading={loadingEarlier}
            data-testid="messages-earlier"
          >
            Earlier messages
          </Button>
        </div>
      )}
      {messages.length === 0 ? (
        <EmptyState
          icon={<ChatIcon />}
          title="No messages yet"
          description="Say something: every member, person or agent, sees it at once."
          data-testid="messages-empty"
        />
      ) : (
        <ol className="messages" aria-label="Messages">
          {messages.map((m) => (
            <li
              key={m.id}
              className="message"
              data-testid="message"
              data-id={m.id}
              data-seq={m.seq}
              data-sender={m.sender.id}
            >
              <div className="message-meta">
                <PrincipalName principal={m.sender} dir={dir} />
                <time className="muted" dateTime={m.created_at}>
                  {formatDateTime(m.created_at)}
                </time>
                {m.edited_at && !m.deleted_at && <span className="muted">(edited)</span>}
              </div>
              {m.deleted_at ? (
                <p className="message-body muted" data-testid="message-body">
                  Message deleted
                </p>
              ) : (
                <p className="message-body" data-testid="message-body">
                  {m.body}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
