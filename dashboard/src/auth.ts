const STORAGE_KEY = 'thermacore.api_key';

/**
 * The API key (or JWT) the dashboard sends, kept for the browser tab only (sessionStorage). The embedded first
 * start prints a login URL `http://localhost:3000/#api_key=<key>`: the key travels in the fragment, which browsers
 * never send to a server, and is removed from the address bar (and history) as soon as the page has read it.
 */
export class Credentials {
  private value: string | undefined;

  constructor() {
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const fromUrl = fragment.get('api_key');
    if (fromUrl !== null && fromUrl.trim() !== '') {
      this.set(fromUrl.trim());
      fragment.delete('api_key');
      const rest = fragment.toString();
      window.history.replaceState(
        window.history.state,
        '',
        window.location.pathname + window.location.search + (rest ? `#${rest}` : ''),
      );
    } else {
      this.value = sessionStorage.getItem(STORAGE_KEY) ?? undefined;
    }
  }

  get token(): string | undefined {
    return this.value;
  }

  set(token: string): void {
    this.value = token;
    sessionStorage.setItem(STORAGE_KEY, token);
  }

  clear(): void {
    this.value = undefined;
    sessionStorage.removeItem(STORAGE_KEY);
  }
}
