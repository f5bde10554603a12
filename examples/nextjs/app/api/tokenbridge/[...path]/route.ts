// Every bridge route (token, connect, callback, popup code, connection, proxy) under /api/tokenbridge.
import { tokenbridge } from '../../../../lib/tokenbridge';

export const { GET, POST, PUT, PATCH, DELETE } = tokenbridge;
