import { randomInt } from 'node:crypto';
import type { Clock } from '../kit/clock.js';

/** Clerk's test mode: an address with a `+clerk_test` subaddress is sent no mail, and `424242` verifies it. */
export const TEST_CODE = '424242';
const TEST_ADDRESS = /\+clerk_test@/i;
const CODE_TTL_MS = 10 * 60_000;
const KEPT = 100;

/** One code "sent" by email: the emulator sends no mail, so codes are read through the control API. */
export interface SentCode {
  emailAddress: string;
  code: string;
  sentAt: number;
  expiresAt: number;
}

/** The verification codes the emulator would have emailed, newest last. */
export class EmailCodes {
  readonly #sent: SentCode[] = [];

  constructor(private readonly clock: Clock) {}

  /** Issues a code for `emailAddress` (the test code for a `+clerk_test` address) and returns it. */
  send(emailAddress: string): SentCode {
    const now = this.clock.now();
    const code = TEST_ADDRESS.test(emailAddress) ? TEST_CODE : String(randomInt(0, 1_000_000)).padStart(6, '0');
    const sent = { emailAddress, code, sentAt: now, expiresAt: now + CODE_TTL_MS };
    this.#sent.push(sent);
    if (this.#sent.length > KEPT) this.#sent.shift();
    return sent;
  }

  /** Whether `code` is the last one sent to `emailAddress` and still valid. */
  verify(emailAddress: string, code: string): boolean {
    const last = this.#sent.findLast((s) => s.emailAddress === emailAddress);
    return last !== undefined && last.code === code.trim() && this.clock.now() < last.expiresAt;
  }

  /** The codes sent, newest last; only those to `emailAddress` when given. */
  list(emailAddress?: string): SentCode[] {
    return this.#sent.filter((s) => emailAddress === undefined || s.emailAddress === emailAddress.toLowerCase());
  }

  reset(): void {
    this.#sent.length = 0;
  }
}
