import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown when a state file exists but cannot be read back (not JSON, or not this emulator's shape). */
export class StateFileError extends Error {
  readonly code = 'ERR_STATE_FILE';

  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `The emulator state file ${path} cannot be used: ${reason}. Delete it (or start with --fresh) to start clean.`,
    );
    this.name = 'StateFileError';
  }
}

/** How long changes gather before they are written; `close()` writes at once whatever is pending. */
const DEFAULT_DEBOUNCE_MS = 100;

export interface StateFileOptions<T> {
  path: string;
  /** The state to write, as plain JSON values. Called when a write is due. */
  snapshot: () => T;
  /** Default 100 ms. */
  debounceMs?: number;
  /**
   * Told when a debounced write fails (a full disk, a folder removed); the next change or close tries again.
   * Default: a process warning naming the file.
   */
  onError?: (error: unknown) => void;
}

/**
 * An emulator's state kept in one JSON file: read once at start, written (debounced) after changes, flushed on close.
 * Each write goes to a temporary file that is renamed over the old one, so a crash leaves the previous state or the
 * new one, never half of either; the file is 0600 (it holds signing keys and secrets) in a folder made 0700.
 *
 * @example
 * const file = new StateFile({ path: './data/sandbox-clerk.json', snapshot: () => store.toJSON() });
 * const saved = file.read(); // undefined on a first start
 * app.addHook('onResponse', async () => file.changed());
 * // on close: file.flush()
 */
export class StateFile<T> {
  readonly path: string;
  readonly #snapshot: () => T;
  readonly #debounceMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #written: string | undefined;

  constructor(options: StateFileOptions<T>) {
    this.path = options.path;
    this.#snapshot = options.snapshot;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#onError =
      options.onError ??
      ((error) =>
        process.emitWarning(
          `Could not save the emulator state to ${this.path}: ${(error as Error)?.message ?? error}`,
        ));
  }

  /** The saved state, or undefined when there is none yet. Tightens a copy restored with looser permissions. */
  read(): unknown {
    if (!existsSync(this.path)) return undefined;
    if ((statSync(this.path).mode & 0o077) !== 0) chmodSync(this.path, 0o600);
    const text = readFileSync(this.path, 'utf8');
    try {
      const value: unknown = JSON.parse(text);
      this.#written = text;
      return value;
    } catch {
      throw new StateFileError(this.path, 'it is not valid JSON');
    }
  }

  /** Notes that the state may have changed: a write follows shortly (only if the state really differs). */
  changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.flush();
      } catch (error) {
        this.#onError(error);
      }
    }, this.#debounceMs);
    // A pending write must not keep a finished process alive; close() flushes it.
    this.#timer.unref();
  }

  /** Writes the current state now if it differs from what the file holds. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const text = `${JSON.stringify(this.#snapshot())}\n`;
    if (text === this.#written) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, text, { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, this.path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.#written = text;
  }
}
