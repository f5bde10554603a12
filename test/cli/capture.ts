/** A writable that keeps what a command prints, as a terminal (`tty`) or a pipe. */
export function capture(options: { tty?: boolean } = {}) {
  const chunks: string[] = [];
  return {
    isTTY: options.tty === true,
    columns: 100,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    get text() {
      return chunks.join('');
    },
  };
}
