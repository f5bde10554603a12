import { expect, it } from 'vitest';
import * as tokenbridge from './index.js';

it("the package's entry point exports the library a user needs and no internals", () => {
  expect(Object.keys(tokenbridge).sort()).toEqual([
    'AuthorizationFailedError',
    'ConfigurationError',
    'DecryptionError',
    'InvalidRequestError',
    'InvalidScopeError',
    'InvalidStateError',
    'Keyring',
    'NotConnectedError',
    'ReconnectRequiredError',
    'RiscTokenInvalidError',
    'ScopesMissingError',
    'StorageUnavailableError',
    'TokenBridgeError',
    'UnauthenticatedError',
    'UpstreamUnavailableError',
    'WEBHOOK_EVENT_TYPES',
    'WebhookDispatcher',
    'createTokenBridge',
    'openStore',
  ]);
});

it('every error it exports is a TokenBridgeError with a code of its own', () => {
  const errors = Object.values(tokenbridge).filter(
    (value): value is typeof tokenbridge.TokenBridgeError =>
      typeof value === 'function' && value.prototype instanceof tokenbridge.TokenBridgeError,
  );
  expect(errors.length).toBe(13);
  const codes = errors.map((error) => error.code);
  expect(codes.every((code) => /^[a-z_]+$/.test(code) && code !== 'internal_error')).toBe(true);
  expect(new Set(codes).size).toBe(codes.length);
});
