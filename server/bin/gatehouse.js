#!/usr/bin/env node
// The built CLI: `npm run build` (or `npm start`) compiles server/src to server/dist.
import '../dist/main.js';
