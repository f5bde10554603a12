export async function clerkSource(): Promise<void> {}
