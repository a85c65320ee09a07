#!/usr/bin/env node
// The built CLI; `npm run build` (or `npm start`) produces server/dist.
import { program } from '../dist/cli.js';

await program().parseAsync(process.argv);
