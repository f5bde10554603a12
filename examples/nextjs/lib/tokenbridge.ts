// One bridge for the whole app, made on the first request from the environment. Server code only: App Router code
// and Pages Router API routes import it (not through `server-only`, which the Pages Router cannot load).
import { createTokenbridge } from './create-tokenbridge';

export const tokenbridge = createTokenbridge(process.env);
