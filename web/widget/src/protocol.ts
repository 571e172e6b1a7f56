// The postMessage protocol between embed.js on a merchant's page (the
// parent) and the widget page in its iframe. Every message is an object
// whose type starts with "parley:"; each side checks the other's window (and
// the parent checks the widget's origin) before acting on one.

/** From the widget to the page. */
export type WidgetToPage =
  | { type: 'parley:ready' }
  | { type: 'parley:unread'; count: number }
  | { type: 'parley:jwt-request'; id: number }
  | { type: 'parley:close' };

/** From the page to the widget. */
export type PageToWidget =
  | { type: 'parley:visible'; visible: boolean }
  | { type: 'parley:jwt'; id: number; jwt?: string; error?: string };

/** isParleyMessage recognises this protocol's messages among a window's others. */
export function isParleyMessage(data: unknown): data is { type: string } {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string' &&
    (data as { type: string }).type.startsWith('parley:');
}
