// Words for the authorization pages: capabilities as people read them, and helpers over the catalogue.
import type { Catalogue, CatalogueAction } from './types';

/** "integration_execute" → "Integration execute". */
export const capabilityLabel = (capability: string) => {
  const words = capability.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The actions that need each capability, in the catalogue's order. */
export function actionsByCapability(catalogue: Catalogue): Map<string, CatalogueAction[]> {
  const out = new Map<string, CatalogueAction[]>(catalogue.capabilities.map((c) => [c, []]));
  for (const action of catalogue.actions) out.get(action.capability)?.push(action);
  return out;
}

/** Trust scores are whole numbers from 0 to 100 (50 until set). */
export const TRUST = { min: 0, max: 100, default: 50 } as const;
/** A tag as the server takes it. */
export const isTag = (tag: string) => /^[\w.:-]{1,64}$/.test(tag);
