import { z } from 'zod';

/** One registered OAuth client, as the emulator's control API accepts it. */
export const oauthClientConfigSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUris: z.array(z.string().min(1)),
  javascriptOrigins: z.array(z.string().min(1)).optional(),
  publishingStatus: z.enum(['production', 'testing']).optional(),
  accessTokenLifetimeSeconds: z.number().int().min(1).max(86_400).optional(),
  name: z.string().min(1).optional(),
});

export type OAuthClientConfig = z.infer<typeof oauthClientConfigSchema>;

/** A client with its defaults filled in. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  javascriptOrigins: string[];
  publishingStatus: 'production' | 'testing';
  accessTokenLifetimeSeconds: number;
  name: string;
}

/** The client seeded when none are configured. Documented in docs/sandbox/google.md. */
export const DEFAULT_CLIENT: OAuthClientConfig = {
  clientId: '1234567890-tokenbridge.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-sandbox-secret',
  redirectUris: [
    'http://127.0.0.1:3000/oauth/google/callback',
    'http://localhost:3000/oauth/google/callback',
    'http://[::1]:3000/oauth/google/callback',
    'http://127.0.0.1:3002/v1/oauth_callback',
  ],
  javascriptOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'],
  publishingStatus: 'production',
  name: 'Tokenbridge Sandbox',
};

function withDefaults(config: OAuthClientConfig): OAuthClient {
  return {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    redirectUris: [...config.redirectUris],
    javascriptOrigins: [...(config.javascriptOrigins ?? [])],
    publishingStatus: config.publishingStatus ?? 'production',
    accessTokenLifetimeSeconds: config.accessTokenLifetimeSeconds ?? 3599,
    name: config.name ?? config.clientId,
  };
}

/** The registered OAuth clients, by id. */
export class ClientRegistry {
  private clients = new Map<string, OAuthClient>();

  constructor(private readonly initial: OAuthClientConfig[]) {
    this.reset();
  }

  /** Adds or replaces a client. */
  register(config: OAuthClientConfig): OAuthClient {
    const client = withDefaults(oauthClientConfigSchema.parse(config));
    this.clients.set(client.clientId, client);
    return client;
  }

  get(clientId: string): OAuthClient | undefined {
    return this.clients.get(clientId);
  }

  list(): OAuthClient[] {
    return [...this.clients.values()];
  }

  /** Replaces the registered clients with saved ones (each checked as `register` checks it). */
  restore(saved: OAuthClient[]): void {
    this.clients.clear();
    for (const config of saved) this.register(config);
  }

  /** Back to the clients the emulator started with. */
  reset(): void {
    this.clients.clear();
    for (const config of this.initial) this.register(config);
  }
}
