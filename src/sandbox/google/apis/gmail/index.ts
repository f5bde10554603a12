import type { FastifyInstance } from 'fastify';
import type { SeedGmailLabel, SeedGmailMessage } from '../../seed.js';
import type { ApiMethod, Caller } from '../auth.js';
import { badRequest, forbidden, GoogleApiError, invalidParameter, notFound } from '../errors.js';
import { paginate } from '../page-token.js';
import { boolean, integer, many, one, oneOf, type Query } from '../params.js';
import { type ApiCall, type ApiContext, apiRoute } from '../route.js';
import { renderMessage } from './message.js';
import { compileSearch } from './search.js';
import { type GmailOutbox, RAW_REQUIRED } from './send.js';

const AUTH = 'https://www.googleapis.com/auth/';
const MAIL = 'https://mail.google.com/';
const SERVICE = 'gmail.googleapis.com';
const RPC = 'caribou.api.proto.MailboxService.';
const READ = [MAIL, AUTH + 'gmail.metadata', AUTH + 'gmail.modify', AUTH + 'gmail.readonly'];
/** Scopes that may see message bodies and search; `gmail.metadata` alone may not. */
const CONTENT = new Set([MAIL, AUTH + 'gmail.modify', AUTH + 'gmail.readonly']);

const LIST_LABELS: ApiMethod = {
  service: SERVICE,
  method: RPC + 'ListLabels',
  scopes: [...READ, AUTH + 'gmail.labels'],
};
const GET_LABEL: ApiMethod = { service: SERVICE, method: RPC + 'GetLabel', scopes: [...READ, AUTH + 'gmail.labels'] };
const LIST_MESSAGES: ApiMethod = { service: SERVICE, method: RPC + 'ListMessages', scopes: READ };
const GET_MESSAGE: ApiMethod = {
  service: SERVICE,
  method: RPC + 'GetMessage',
  scopes: [
    ...READ,
    AUTH + 'gmail.addons.current.message.action',
    AUTH + 'gmail.addons.current.message.metadata',
    AUTH + 'gmail.addons.current.message.readonly',
  ],
};
const LIST_THREADS: ApiMethod = { service: SERVICE, method: RPC + 'ListThreads', scopes: READ };
const GET_THREAD: ApiMethod = { ...GET_MESSAGE, method: RPC + 'GetThread' };
const GET_PROFILE: ApiMethod = {
  service: SERVICE,
  method: RPC + 'GetProfile',
  scopes: [...READ, AUTH + 'gmail.compose'],
};

const SEND_MESSAGE: ApiMethod = {
  service: SERVICE,
  method: RPC + 'SendMessage',
  scopes: [
    MAIL,
    AUTH + 'gmail.addons.current.action.compose',
    AUTH + 'gmail.compose',
    AUTH + 'gmail.modify',
    AUTH + 'gmail.send',
  ],
};

/** `me` or the caller's own address; anyone else's mailbox needs domain-wide delegation the emulator does not have. */
function checkUser(caller: Caller, userId: string | undefined): void {
  if (userId === 'me' || userId?.toLowerCase() === caller.account.email.toLowerCase()) return;
  throw forbidden(`Delegation denied for ${caller.account.email}`);
}

const metadataOnly = (caller: Caller): boolean => ![...caller.scopes].some((s) => CONTENT.has(s));

function labelResource(label: SeedGmailLabel): Record<string, unknown> {
  const out: Record<string, unknown> = { id: label.id, name: label.name };
  if (label.messageListVisibility) out.messageListVisibility = label.messageListVisibility;
  if (label.labelListVisibility) out.labelListVisibility = label.labelListVisibility;
  out.type = label.type;
  if (label.color) out.color = label.color;
  return out;
}

function labelCounts(label: SeedGmailLabel, messages: readonly SeedGmailMessage[]): Record<string, number> {
  const withLabel = messages.filter((m) => m.labelIds.includes(label.id));
  const unread = withLabel.filter((m) => m.labelIds.includes('UNREAD'));
  return {
    messagesTotal: withLabel.length,
    messagesUnread: unread.length,
    threadsTotal: new Set(withLabel.map((m) => m.threadId)).size,
    threadsUnread: new Set(unread.map((m) => m.threadId)).size,
  };
}

type Format = 'minimal' | 'full' | 'raw' | 'metadata';

function checkId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!/^[0-9a-f]{1,20}$/i.test(id)) throw badRequest('Invalid id value');
  return id.toLowerCase();
}

/** The `format` parameter, refusing bodies to a `gmail.metadata`-only token as Gmail does. */
function messageFormat(
  caller: Caller,
  query: Query,
  allowed: readonly Format[] = ['minimal', 'full', 'raw', 'metadata'],
): Format {
  const format = oneOf(query, 'format', allowed) ?? 'full';
  if (metadataOnly(caller) && (format === 'full' || format === 'raw')) {
    const message = `Metadata scope doesn't allow format ${format.toUpperCase()}`;
    throw new GoogleApiError(403, 'PERMISSION_DENIED', message, [{ message, domain: 'global', reason: 'forbidden' }]);
  }
  return format;
}

/** A message in one of Gmail's formats. */
function messageResource(
  message: SeedGmailMessage,
  format: Format,
  metadataHeaders: string[],
): Record<string, unknown> {
  const rendered = renderMessage(message);
  const base = { id: message.id, threadId: message.threadId, labelIds: message.labelIds, snippet: rendered.snippet };
  const tail = {
    sizeEstimate: rendered.sizeEstimate,
    historyId: message.historyId,
    internalDate: String(message.internalDate),
  };
  switch (format) {
    case 'minimal':
      return { ...base, ...tail };
    case 'raw':
      return { ...base, ...tail, raw: rendered.raw };
    case 'metadata': {
      const wanted = metadataHeaders.map((h) => h.toLowerCase());
      const headers = rendered.payload.headers.filter(
        (h) => wanted.length === 0 || wanted.includes(h.name.toLowerCase()),
      );
      return { ...base, payload: { mimeType: rendered.payload.mimeType, headers }, ...tail };
    }
    default:
      return { ...base, payload: rendered.payload, ...tail };
  }
}

/** A thread's messages, oldest first, as threads.get lists them. */
function threadMessages(caller: Caller, threadId: string): SeedGmailMessage[] {
  return caller.account.gmail.messages
    .filter((m) => m.threadId === threadId)
    .sort((a, b) => a.internalDate - b.internalDate);
}

/**
 * The messages a list call selects (`labelIds`, `q`, `includeSpamTrash`), newest first, and what identifies that
 * selection for its page tokens.
 */
function searchMailbox(caller: Caller, query: Query, now: number): { matching: SeedGmailMessage[]; scope: unknown[] } {
  const includeSpamTrash = boolean(query, 'includeSpamTrash', false);
  const labelIds = many(query, 'labelIds')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
  const q = one(query, 'q') ?? '';
  if (q !== '' && metadataOnly(caller)) {
    throw new GoogleApiError(403, 'PERMISSION_DENIED', "Metadata scope does not support 'q' parameter", [
      { message: "Metadata scope does not support 'q' parameter", domain: 'global', reason: 'forbidden' },
    ]);
  }
  const { labels, messages } = caller.account.gmail;
  for (const id of labelIds) {
    if (!labels.some((l) => l.id === id)) throw invalidParameter('labelIds', `Invalid label: ${id.slice(0, 60)}`);
  }
  const search = compileSearch(q, labels, now);
  const hidden = (m: SeedGmailMessage) => m.labelIds.some((id) => id === 'SPAM' || id === 'TRASH');
  const spamTrashOk =
    includeSpamTrash || search.reachesSpamTrash || labelIds.some((id) => id === 'SPAM' || id === 'TRASH');
  const matching = messages
    .filter((m) => spamTrashOk || !hidden(m))
    .filter((m) => labelIds.every((id) => m.labelIds.includes(id)))
    .filter((m) => search.matches(m))
    .sort((a, b) => b.internalDate - a.internalDate || (a.id < b.id ? 1 : -1));
  return { matching, scope: [caller.account.sub, q, [...labelIds].sort(), spamTrashOk] };
}

function pageOf<T>(ctx: ApiContext, query: Query, scope: unknown[], items: T[], size: number) {
  const key = JSON.stringify(scope);
  const token = one(query, 'pageToken');
  const offset = token === undefined || token === '' ? 0 : ctx.pageTokens.read(key, token);
  if (offset === null) throw invalidParameter('pageToken', 'Invalid pageToken');
  return paginate(items, offset, size, (n) => ctx.pageTokens.issue(key, n));
}

/** The `{raw, threadId?}` of a `messages.send` JSON body; Gmail's 400 when `raw` is missing or not base64. */
function sendRequest(call: ApiCall): { rfc822: string; threadId: string | undefined } {
  let json: unknown;
  try {
    json = call.body.length === 0 ? {} : JSON.parse(call.body.toString('utf8'));
  } catch {
    throw badRequest('Invalid JSON payload received.');
  }
  const { raw, threadId } = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (typeof raw !== 'string' || raw === '') throw badRequest(RAW_REQUIRED);
  if (!/^[A-Za-z0-9_\-+/]+=*$/.test(raw)) throw invalidParameter('raw', "Invalid value at 'message.raw' (TYPE_BYTES)");
  return {
    rfc822: Buffer.from(raw, 'base64url').toString('utf8'),
    threadId: typeof threadId === 'string' && threadId !== '' ? threadId : undefined,
  };
}

/** Gmail v1: labels (list, get), messages (list, get, send), threads (list, get) and the profile. */
export function registerGmail(app: FastifyInstance, ctx: ApiContext, outbox: GmailOutbox): void {
  const sent = (message: { id: string; threadId: string; labelIds: string[] }) => ({
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds,
  });
  apiRoute(
    app,
    ctx,
    '/gmail/v1/users/:userId/messages/send',
    SEND_MESSAGE,
    (call) => {
      checkUser(call.caller, call.params.userId);
      const { rfc822, threadId } = sendRequest(call);
      return sent(outbox.send(call.caller, rfc822, threadId));
    },
    'POST',
  );
  // The media upload form: the body is the RFC 822 message itself (`uploadType=media`, `message/rfc822`).
  apiRoute(
    app,
    ctx,
    '/upload/gmail/v1/users/:userId/messages/send',
    SEND_MESSAGE,
    (call) => {
      checkUser(call.caller, call.params.userId);
      if (oneOf(call.query, 'uploadType', ['media'] as const) !== 'media') {
        throw invalidParameter('uploadType', 'The emulator takes uploadType=media here; send JSON {raw} otherwise.');
      }
      if (call.body.length === 0) throw badRequest(RAW_REQUIRED);
      return sent(outbox.send(call.caller, call.body.toString('utf8'), undefined));
    },
    'POST',
  );

  apiRoute(app, ctx, '/gmail/v1/users/:userId/labels', LIST_LABELS, ({ caller, params }) => {
    checkUser(caller, params.userId);
    return { labels: caller.account.gmail.labels.map(labelResource) };
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/labels/:id', GET_LABEL, ({ caller, params }) => {
    checkUser(caller, params.userId);
    const label = caller.account.gmail.labels.find((l) => l.id === params.id);
    if (!label) throw notFound('Requested entity was not found.');
    return { ...labelResource(label), ...labelCounts(label, caller.account.gmail.messages) };
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/messages', LIST_MESSAGES, ({ caller, params, query }) => {
    checkUser(caller, params.userId);
    const { matching, scope } = searchMailbox(caller, query, ctx.clock.now());
    const maxResults = integer(query, 'maxResults', { min: 1, max: 500, fallback: 100 });
    const { page, nextPageToken } = pageOf(ctx, query, ['messages', ...scope], matching, maxResults);
    const body: Record<string, unknown> = {};
    if (page.length > 0) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (nextPageToken) body.nextPageToken = nextPageToken;
    body.resultSizeEstimate = matching.length;
    return body;
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/messages/:id', GET_MESSAGE, ({ caller, params, query }) => {
    checkUser(caller, params.userId);
    const format = messageFormat(caller, query);
    const message = caller.account.gmail.messages.find((m) => m.id === checkId(params.id));
    if (!message) throw notFound('Requested entity was not found.');
    return messageResource(message, format, many(query, 'metadataHeaders'));
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/threads', LIST_THREADS, ({ caller, params, query }) => {
    checkUser(caller, params.userId);
    const { matching, scope } = searchMailbox(caller, query, ctx.clock.now());
    const maxResults = integer(query, 'maxResults', { min: 1, max: 500, fallback: 100 });
    // A thread is listed once, where its newest matching message would be.
    const threadIds = [...new Set(matching.map((m) => m.threadId))];
    const { page, nextPageToken } = pageOf(ctx, query, ['threads', ...scope], threadIds, maxResults);
    const body: Record<string, unknown> = {};
    if (page.length > 0) {
      body.threads = page.map((id) => {
        const messages = threadMessages(caller, id);
        const newest = messages[messages.length - 1]!;
        return { id, snippet: renderMessage(newest).snippet, historyId: newest.historyId };
      });
    }
    if (nextPageToken) body.nextPageToken = nextPageToken;
    body.resultSizeEstimate = threadIds.length;
    return body;
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/threads/:id', GET_THREAD, ({ caller, params, query }) => {
    checkUser(caller, params.userId);
    const format = messageFormat(caller, query, ['full', 'metadata', 'minimal'] as const);
    const messages = threadMessages(caller, checkId(params.id));
    if (messages.length === 0) throw notFound('Requested entity was not found.');
    const headers = many(query, 'metadataHeaders');
    return {
      id: messages[0]!.threadId,
      historyId: messages[messages.length - 1]!.historyId,
      messages: messages.map((m) => messageResource(m, format, headers)),
    };
  });

  apiRoute(app, ctx, '/gmail/v1/users/:userId/profile', GET_PROFILE, ({ caller, params }) => {
    checkUser(caller, params.userId);
    const { messages } = caller.account.gmail;
    return {
      emailAddress: caller.account.email,
      messagesTotal: messages.length,
      threadsTotal: new Set(messages.map((m) => m.threadId)).size,
      historyId: String(Math.max(0, ...messages.map((m) => Number(m.historyId)))),
    };
  });
}
