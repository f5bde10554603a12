/** One line of the doctor's checklist. `fix` says what to change when the status is `fail` or `warn`. */
export interface CheckResult {
  status: 'pass' | 'warn' | 'fail' | 'skip';
  title: string;
  detail: string;
  fix?: string;
}

export const pass = (title: string, detail: string): CheckResult => ({ status: 'pass', title, detail });
export const skip = (title: string, detail: string): CheckResult => ({ status: 'skip', title, detail });
export const warn = (title: string, detail: string, fix: string): CheckResult => ({
  status: 'warn',
  title,
  detail,
  fix,
});
export const fail = (title: string, detail: string, fix: string): CheckResult => ({
  status: 'fail',
  title,
  detail,
  fix,
});

/** Network checks give up after this long, so a doctor run never hangs on a black-holed host. */
export const CHECK_TIMEOUT_MS = 8000;
