/** The server's minimum for a new password. */
export const MIN_PASSWORD = 12;

/** Checks for choosing a password before it is sent: long enough, and typed the same twice. */
export function newPasswordErrors(
  password: string,
  confirm: string,
): { password?: string; confirm?: string } {
  const errors: { password?: string; confirm?: string } = {};
  if (password.length < MIN_PASSWORD) errors.password = `Use at least ${MIN_PASSWORD} characters.`;
  if (confirm !== password) errors.confirm = 'Passwords do not match.';
  return errors;
}
