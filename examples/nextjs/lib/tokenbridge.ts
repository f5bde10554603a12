// One bridge for the whole app (server-only), made on the first request from the environment.
import 'server-only';
import { createTokenbridge } from './create-tokenbridge';

export const tokenbridge = createTokenbridge(process.env);
