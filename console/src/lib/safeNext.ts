/** A post-login destination from `?next=`, restricted to paths inside the console (no open redirects). */
export function safeNext(value: string | null): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value.startsWith('/login') || value.startsWith('/accept-invite')) return '/';
  return value;
}
