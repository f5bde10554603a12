// One bridge for the whole app, created once from the environment (server-only).
import { createTokenbridge } from './create-tokenbridge.js';

export const tokenbridge = await createTokenbridge(process.env);
