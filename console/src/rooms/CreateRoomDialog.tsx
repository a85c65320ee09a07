import { useState } from 'react';
import { ApiError, api } from '../api';
import { useFormSubmit } from '../lib/forms';
import { FormDialog } from '../ui/FormDialog';
import { Select } from '../ui/Select';
import { TextArea } from '../ui/TextArea';
import { TextField } from '../ui/TextField';
import type { Room } from './types';

type Field = 'slug' | 'name' | 'topic' | 'visibility';
const FIELDS: readonly Field[] = ['slug', 'name', 'topic', 'visibility'];
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VISIBILITY_OPTIONS = [
  { value: 'public', label: 'Public: anyone in the organization may read and join' },
  { value: 'private', label: 'Private: members only' },
];

/** A new room; the person creating it becomes its owner. */
export function CreateRoomDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (room: Room) => void;
}) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const form = useFormSubmit<Field>(() => ({
    slug: SLUG.test(slug.trim()) ? undefined : 'Use 1 to 63 lowercase letters, digits and dashes.',
    name: name.trim() ? undefined : 'Enter a name.',
    topic: topic.length > 1000 ? 'At most 1000 characters.' : undefined,
  }));
  const taken = form.error instanceof ApiError && form.error.code === 'slug_taken' ? form.error : null;

  const create = () =>
    form.submit(async () => {
      const room = await api.createRoom({
        slug: slug.trim(),
        name: name.trim(),
        visibility,
        ...(topic.trim() ? { topic: topic.trim() } : {}),
      });
      onCreated(room);
    });

  return (
    <FormDialog
      title="New room"
      description="People and agents of this organization talk here, live. You become its owner."
      submitLabel="Create room"
      onSubmit={create}
      onClose={onClose}
      busy={form.busy}
      error={taken ? null : form.error}
      fields={FIELDS}
      data-testid="room-create-dialog"
      submitTestId="room-create-submit"
    >
      <TextField
        label="Name"
        name="name"
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        autoFocus
        required
        error={form.fieldError('name')}
        data-testid="room-name-input"
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        placeholder="incident-response"
        value={slug}
        onChange={(e) => setSlug(e.target.value)}
        required
        hint="Unique in the organization: lowercase letters, digits and dashes. Policies see it as the room's name."
        error={form.fieldError('slug') ?? (taken ? 'Another room has this slug.' : undefined)}
        data-testid="room-slug-input"
      />
      <TextArea
        label="Topic (optional)"
        name="topic"
        rows={2}
        value={topic}
        onChange={(e) => setTopic(e.target.value)}
        error={form.fieldError('topic')}
        data-testid="room-topic-input"
      />
      <Select
        label="Visibility"
        name="visibility"
        options={VISIBILITY_OPTIONS}
        value={visibility}
        onChange={(e) => setVisibility(e.target.value === 'private' ? 'private' : 'public')}
        error={form.fieldError('visibility')}
        data-testid="room-visibility"
      />
    </FormDialog>
  );
}
