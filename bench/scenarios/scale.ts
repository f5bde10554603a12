export async function scale(): Promise<void> {}
