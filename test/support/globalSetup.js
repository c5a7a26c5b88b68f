// Placeholder: the local-stack owner replaces this with a real start of the local stack.
export default async function globalSetup() {}
