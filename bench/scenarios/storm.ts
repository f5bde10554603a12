export async function storm(): Promise<void> {}
