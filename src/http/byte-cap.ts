import { Transform } from 'node:stream';
import { UpstreamTooLargeError } from '../core/errors.js';

/**
 * A pass-through stream that fails with {@link UpstreamTooLargeError} as soon as more than `maxBytes` have gone
 * through it (0: no cap). Nothing is held back, so memory stays flat whatever the size.
 *
 * @example
 * pipeline(Readable.fromWeb(upstream.body), byteCap(1024 * 1024), () => {});
 */
export function byteCap(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (maxBytes > 0 && seen > maxBytes) {
        done(new UpstreamTooLargeError(maxBytes, seen));
        return;
      }
      done(null, chunk);
    },
  });
}
