export { type ClientOptions, GatehouseClient } from './client.js';
export { GatehouseError, type Problem } from './errors.js';
export type * from './types.js';
