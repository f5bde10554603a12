/**
 * `control` with `changed()` called after each of its operations (once a returned promise settles), so an emulator's
 * in-process control calls are saved like the HTTP requests that change its state.
 *
 * @example
 * const control = persistingControl(createControl(deps), () => stateFile.changed());
 */
export function persistingControl<T extends object>(control: T, changed: () => void): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(control)) {
    if (typeof value !== 'function') {
      // A nested handle (the Google emulator's `risc`) is wrapped the same way.
      wrapped[name] = typeof value === 'object' && value !== null ? persistingControl(value, changed) : value;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = value.apply(control, args);
      } catch (error) {
        changed();
        throw error;
      }
      if (result instanceof Promise) return result.finally(changed);
      changed();
      return result;
    };
  }
  return wrapped as T;
}
