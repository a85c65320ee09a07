import { useEffect, useState } from 'react';
import { api } from '../api';
import { useFormSubmit } from '../lib/forms';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ChipList } from '../ui/ChipList';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TextField } from '../ui/TextField';
import { TokensInput } from '../ui/TokensInput';
import { isTag, TRUST } from './labels';
import type { AgentAttributes } from './types';

type Field = 'tags' | 'trust_score';

export interface AttributesCardProps {
  agentId: string;
  attributes: AgentAttributes;
  canEdit: boolean;
  onSaved: (attributes: AgentAttributes) => void;
}

/** The tags and trust score policies see of the agent; the best agent for a capability is the most trusted. */
export function AttributesCard({ agentId, attributes, canEdit, onSaved }: AttributesCardProps) {
  const [tags, setTags] = useState<string[]>(attributes.tags);
  const [trust, setTrust] = useState(String(attributes.trust_score));
  const [saved, setSaved] = useState(false);
  // What was saved (here, or elsewhere and seen on a reload) is what the form starts from; a reload that brings
  // the same values (after a skill is granted) keeps what is being typed.
  const savedTags = attributes.tags.join(' ');
  const savedTrust = attributes.trust_score;
  useEffect(() => {
    setTags(savedTags ? savedTags.split(' ') : []);
    setTrust(String(savedTrust));
  }, [savedTags, savedTrust]);
  const form = useFormSubmit<Field>(() => {
    const score = Number(trust);
    const badTag = tags.find((t) => !isTag(t));
    return {
      tags:
        badTag !== undefined
          ? `“${badTag}” is not a valid tag: letters, digits, _ . : - only.`
          : tags.length > 50
            ? 'Use at most 50 tags.'
            : undefined,
      trust_score:
        /^\d+$/.test(trust.trim()) && score >= TRUST.min && score <= TRUST.max
          ? undefined
          : `Enter a whole number from ${TRUST.min} to ${TRUST.max}.`,
    };
  });
  const dirty =
    trust !== String(attributes.trust_score) ||
    tags.length !== attributes.tags.length ||
    tags.some((t, i) => t !== attributes.tags[i]);

  const save = () =>
    form.submit(async () => {
      setSaved(false);
      onSaved(await api.setAttributes(agentId, { tags, trust_score: Number(trust) }));
      setSaved(true);
    });

  return (
    <Card
      title="Attributes"
      description="What policies see of the agent besides its skills (principal.tags, principal.trust_score). The most trusted holder of a capability is its best agent."
      data-testid="attributes-card"
    >
      {canEdit ? (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <ErrorBanner error={form.error} fields={['tags', 'trust_score']} />
          <TokensInput
            label="Tags"
            value={tags}
            onChange={(next) => {
              setTags(next);
              setSaved(false);
            }}
            isValid={isTag}
            placeholder="ops billing"
            error={form.fieldError('tags')}
            data-testid="attributes-tags-input"
          />
          <TextField
            label="Trust score"
            type="number"
            min={TRUST.min}
            max={TRUST.max}
            value={trust}
            onChange={(e) => {
              setTrust(e.target.value);
              setSaved(false);
            }}
            hint={`${TRUST.min} to ${TRUST.max}; ${TRUST.default} until set.`}
            error={form.fieldError('trust_score')}
            data-testid="attributes-trust-input"
          />
          <div className="form-actions">
            {saved && !dirty && (
              <span className="muted" data-testid="attributes-saved">
                Saved
              </span>
            )}
            <Button
              type="submit"
              variant="primary"
              loading={form.busy}
              disabled={!dirty}
              data-testid="attributes-save"
            >
              Save attributes
            </Button>
          </div>
        </form>
      ) : (
        <dl className="details details-top">
          <dt>Tags</dt>
          <dd>
            <ChipList items={attributes.tags} empty="None" testId="attributes-tags" />
          </dd>
          <dt>Trust score</dt>
          <dd data-testid="attributes-trust">{attributes.trust_score}</dd>
        </dl>
      )}
    </Card>
  );
}
