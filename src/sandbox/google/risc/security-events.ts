import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { type Clock, epochSeconds } from '../../kit/clock.js';
import { findAccount, type GoogleAccount } from '../accounts.js';
import type { ClientRegistry } from '../clients.js';
import { ControlError } from '../control.js';
import type { OAuthState } from '../oauth-state.js';
import type { SessionStore } from '../sessions.js';
import { RISC_EVENT_TYPE_NAMES, RISC_EVENT_TYPES, type RiscEventType, type TokenIdentifierAlg } from './event-types.js';
import type { RiscSigningKey } from './signing-key.js';
import { tokenIdentifier } from './token-identifier.js';

/** What `POST /__emulator/risc/events` and `control.risc.sendEvent()` take. */
export const riscEventInputSchema = z.strictObject({
  type: z.enum(RISC_EVENT_TYPE_NAMES),
  email: z.string().min(1).optional(),
  sub: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  /** account-disabled only; default `hijacking`. */
  reason: z.enum(['hijacking', 'bulk-account']).optional(),
  /** token-revoked only: the refresh token to name; default the account's newest one for `clientId`. */
  token: z.string().min(1).optional(),
  /** token-revoked only; default `prefix`. */
  tokenIdentifierAlg: z.enum(['prefix', 'hash_base64_sha512_sha512']).optional(),
  /** verification only: echoed back in the event. */
  state: z.string().min(1).max(1024).optional(),
});

export type RiscEventInput = z.infer<typeof riscEventInputSchema>;

export const riscReceiverSchema = z.strictObject({
  clientId: z.string().min(1),
  url: z
    .string()
    .min(1)
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'url must be http(s)'),
});

/** Where the SETs for one OAuth client go. */
export type RiscReceiver = z.infer<typeof riscReceiverSchema>;

/** One SET sent to one receiver, and what the receiver answered. */
export interface RiscDelivery {
  jti: string;
  type: RiscEventType;
  clientId: string;
  url: string;
  /** The signed Security Event Token, as POSTed (so a test can replay it by hand). */
  set: string;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
  /** True when the receiver answered 202, as the push protocol asks. */
  accepted: boolean;
  /** Why the delivery failed: the network error, or the start of the receiver's error body. */
  error?: string;
  deliveredAt: string;
}

export interface RiscSendResult {
  deliveries: RiscDelivery[];
  /** Grants and tokens the emulator revoked along with the event, as Google does. */
  revoked: number;
}

/** Cross-Account Protection, as the control API drives it. Part of {@link GoogleEmulatorControl} as `risc`. */
export interface RiscControl {
  /** Registers (or moves) the receiver of one OAuth client's security events. */
  registerReceiver(receiver: RiscReceiver): void;
  /** Stops sending events for a client; false when none was registered. */
  removeReceiver(clientId: string): boolean;
  receivers(): RiscReceiver[];
  /**
   * Sends a security event to the receivers concerned, after applying its effect (tokens-revoked, token-revoked and
   * account-disabled revoke grants; sessions-revoked and account-disabled sign the account out). Resolves once every
   * receiver has answered.
   */
  sendEvent(input: RiscEventInput): Promise<RiscSendResult>;
  /** Every delivery so far, oldest first. */
  sent(): RiscDelivery[];
  /** POSTs the very same SET (same jti) again, as a retrying sender would. */
  redeliver(jti: string): Promise<RiscDelivery>;
  reset(): void;
}

export interface RiscDeps {
  clients: ClientRegistry;
  state: OAuthState;
  sessions: SessionStore;
  accounts(): readonly GoogleAccount[];
  clock: Clock;
  issuer: string;
  key: RiscSigningKey;
  /** Default the global fetch. */
  fetch?: typeof fetch;
}

const MAX_LOGGED = 500;
const DELIVERY_TIMEOUT_MS = 10_000;

/** Builds the RISC half of the control handle. */
export function createRiscControl(deps: RiscDeps): RiscControl {
  const receivers = new Map<string, string>();
  const log: RiscDelivery[] = [];
  const send = deps.fetch ?? fetch;

  const receiverOf = (clientId: string): string => {
    const url = receivers.get(clientId);
    if (url === undefined) throw new ControlError(`No RISC receiver is registered for client ${clientId}.`, 404);
    return url;
  };
  const resolveAccount = (input: RiscEventInput): GoogleAccount => {
    const hint = input.sub ?? input.email;
    if (hint === undefined) throw new ControlError(`A ${input.type} event names an account by email or sub.`);
    const account = findAccount(deps.accounts(), hint);
    if (account === undefined) throw new ControlError(`No such account: ${hint}`, 404);
    return account;
  };
  const iss = (sub: string) => ({ subject_type: 'iss-sub', iss: deps.issuer, sub });

  const post = async (delivery: Omit<RiscDelivery, 'status' | 'accepted' | 'deliveredAt'>): Promise<RiscDelivery> => {
    const deliveredAt = new Date(deps.clock.now()).toISOString();
    try {
      const response = await send(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
        body: delivery.set,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      const text = await response.text().catch(() => '');
      const accepted = response.status === 202;
      return {
        ...delivery,
        status: response.status,
        accepted,
        ...(accepted ? {} : { error: text.slice(0, 500) || `HTTP ${response.status}` }),
        deliveredAt,
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ...delivery, status: null, accepted: false, error: cause ?? (error as Error).message, deliveredAt };
    }
  };
  const remember = (delivery: RiscDelivery) => {
    log.push(delivery);
    if (log.length > MAX_LOGGED) log.shift();
    return delivery;
  };

  return {
    registerReceiver: (receiver) => {
      const parsed = riscReceiverSchema.safeParse(receiver);
      if (!parsed.success) throw new ControlError(`Invalid receiver: ${z.prettifyError(parsed.error)}`);
      if (deps.clients.get(parsed.data.clientId) === undefined) {
        throw new ControlError(`No such client: ${parsed.data.clientId}`, 404);
      }
      receivers.set(parsed.data.clientId, parsed.data.url);
    },
    removeReceiver: (clientId) => receivers.delete(clientId),
    receivers: () => [...receivers].map(([clientId, url]) => ({ clientId, url })),

    sendEvent: async (raw) => {
      const parsed = riscEventInputSchema.safeParse(raw);
      if (!parsed.success) throw new ControlError(`Invalid event: ${z.prettifyError(parsed.error)}`);
      const input = parsed.data;
      if (input.clientId !== undefined && deps.clients.get(input.clientId) === undefined) {
        throw new ControlError(`No such client: ${input.clientId}`, 404);
      }
      // Everything is checked before anything changes: a refused request has no effect.
      const plan = planEvent(input);
      const revoked = plan.effect();
      const deliveries: RiscDelivery[] = [];
      for (const clientId of plan.recipients) {
        const payload: JWTPayload = {
          iss: deps.issuer,
          aud: clientId,
          iat: epochSeconds(deps.clock),
          jti: randomBytes(16).toString('hex'),
          events: { [RISC_EVENT_TYPES[input.type]]: plan.claim },
        };
        const set = await deps.key.sign(payload);
        const url = receiverOf(clientId);
        deliveries.push(remember(await post({ jti: payload.jti!, type: input.type, clientId, url, set })));
      }
      return { deliveries, revoked };
    },

    sent: () => log.map((d) => ({ ...d })),

    redeliver: async (jti) => {
      const original = log.find((d) => d.jti === jti);
      if (original === undefined) throw new ControlError(`No security event was sent with jti ${jti}.`, 404);
      const { status: _s, accepted: _a, error: _e, deliveredAt: _d, ...again } = original;
      return remember(await post(again));
    },

    reset: () => {
      receivers.clear();
      log.length = 0;
    },
  };

  function planEvent(input: RiscEventInput): {
    recipients: string[];
    claim: Record<string, unknown>;
    effect: () => number;
  } {
    if (input.type === 'verification') {
      const recipients = input.clientId === undefined ? [...receivers.keys()] : [input.clientId];
      for (const clientId of recipients) receiverOf(clientId);
      return { recipients, claim: input.state === undefined ? {} : { state: input.state }, effect: () => 0 };
    }
    if (input.type === 'token-revoked') return planTokenRevoked(input);

    const account = resolveAccount(input);
    const recipients =
      input.clientId === undefined
        ? // Google tells only the apps the account has granted access to.
          [...receivers.keys()].filter((clientId) => deps.state.grant(account.sub, clientId) !== undefined)
        : [input.clientId];
    for (const clientId of recipients) receiverOf(clientId);
    const subject = iss(account.sub);
    switch (input.type) {
      case 'tokens-revoked':
        return { recipients, claim: { subject }, effect: () => deps.state.revokeGrant(account.sub, input.clientId) };
      case 'account-disabled':
        return {
          recipients,
          claim: { subject, reason: input.reason ?? 'hijacking' },
          effect: () => {
            deps.sessions.signOutEverywhere(account.sub);
            return deps.state.revokeGrant(account.sub);
          },
        };
      case 'sessions-revoked':
        return {
          recipients,
          claim: { subject },
          effect: () => {
            deps.sessions.signOutEverywhere(account.sub);
            return 0;
          },
        };
      default:
        return { recipients, claim: { subject }, effect: () => 0 };
    }
  }

  function planTokenRevoked(input: RiscEventInput) {
    let token = input.token;
    let clientId = input.clientId;
    const live = token === undefined ? undefined : deps.state.liveRefreshToken(token);
    if (token === undefined) {
      if (clientId === undefined)
        throw new ControlError('A token-revoked event names a token, or an account and clientId.');
      const account = resolveAccount(input);
      token = deps.state.newestRefreshToken(account.sub, clientId)?.token;
      if (token === undefined) {
        throw new ControlError(`${account.email} holds no live refresh token for client ${clientId}.`, 404);
      }
    } else if (live !== undefined) {
      if (clientId !== undefined && clientId !== live.clientId) {
        throw new ControlError('The refresh token belongs to another client.');
      }
      clientId = live.clientId;
    } else if (clientId === undefined) {
      throw new ControlError('Unknown or dead refresh token: name clientId to send the event anyway.');
    }
    receiverOf(clientId);
    const alg: TokenIdentifierAlg = input.tokenIdentifierAlg ?? 'prefix';
    const named = token;
    return {
      recipients: [clientId],
      claim: {
        subject: {
          subject_type: 'oauth_token',
          token_type: 'refresh_token',
          token_identifier_alg: alg,
          token: tokenIdentifier(named, alg),
        },
      },
      // Revoking one token of a grant ends the grant, as `/revoke` does.
      effect: () => {
        const owner = deps.state.liveRefreshToken(named);
        return owner === undefined ? 0 : deps.state.revokeGrant(owner.sub, owner.clientId);
      },
    };
  }
}
