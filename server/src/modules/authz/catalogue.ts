/** The capabilities an agent can be granted (as skills); each action needs exactly one. */
export const CAPABILITIES = [
  'workflow_execute',
  'workflow_manage',
  'workflow_read',
  'integration_execute',
  'integration_manage',
  'integration_read',
  'data_read',
  'data_write',
  'data_query',
  'agent_manage',
  'agent_impersonate',
  'event_publish',
  'event_subscribe',
  'system_admin',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The kinds of resource an action applies to: Cedar entity types of the same name. */
export const RESOURCE_TYPES = [
  'Integration',
  'Workflow',
  'Room',
  'Dataset',
  'Agent',
  'Topic',
  'System',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

interface ActionSpec {
  capability: Capability;
  resource: ResourceType;
  description: string;
}

/**
 * Every action `authorize` knows: the capability it needs and the resource it acts on. An
 * action not listed here is denied. docs/authorization.md mirrors this table.
 */
export const ACTIONS = {
  'integration.call': {
    capability: 'integration_execute',
    resource: 'Integration',
    description: 'Call an integration through the gateway',
  },
  'integration.read': {
    capability: 'integration_read',
    resource: 'Integration',
    description: "Read an integration's metadata",
  },
  'integration.manage': {
    capability: 'integration_manage',
    resource: 'Integration',
    description: 'Create, change or delete an integration',
  },
  'workflow.run': { capability: 'workflow_execute', resource: 'Workflow', description: 'Run a workflow' },
  'workflow.read': {
    capability: 'workflow_read',
    resource: 'Workflow',
    description: 'Read a workflow and its runs',
  },
  'workflow.manage': {
    capability: 'workflow_manage',
    resource: 'Workflow',
    description: 'Create, change or delete a workflow',
  },
  'room.read': { capability: 'data_read', resource: 'Room', description: "Read a room's messages" },
  'room.post': { capability: 'data_write', resource: 'Room', description: 'Post a message to a room' },
  'data.read': { capability: 'data_read', resource: 'Dataset', description: 'Read data' },
  'data.write': { capability: 'data_write', resource: 'Dataset', description: 'Write data' },
  'data.query': { capability: 'data_query', resource: 'Dataset', description: 'Query data' },
  'agent.manage': {
    capability: 'agent_manage',
    resource: 'Agent',
    description: 'Create, change or suspend an agent',
  },
  'agent.impersonate': {
    capability: 'agent_impersonate',
    resource: 'Agent',
    description: 'Act as another agent',
  },
  'event.publish': { capability: 'event_publish', resource: 'Topic', description: 'Publish an event' },
  'event.subscribe': { capability: 'event_subscribe', resource: 'Topic', description: 'Subscribe to events' },
  'system.admin': { capability: 'system_admin', resource: 'System', description: 'Administer the org' },
} as const satisfies Record<string, ActionSpec>;
export type Action = keyof typeof ACTIONS;

export const isAction = (name: string): name is Action => Object.hasOwn(ACTIONS, name);
export const isCapability = (name: string): name is Capability =>
  (CAPABILITIES as readonly string[]).includes(name);
