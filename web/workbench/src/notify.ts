// Notifications for messages and conversations that arrive while the agent
// looks elsewhere: a short tone, the unread count in the title, and a desktop
// notification once the agent allowed them.

let audio: AudioContext | undefined;

/** beep plays a 120 ms tone; browsers allow it after the first user gesture. */
export function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.05;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.12);
  } catch {
    // No audio output: the title and desktop notification still tell.
  }
}

export function setTitleBadge(unread: number): void {
  document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
}

export function desktopNotify(title: string, body: string): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.hidden) {
    new Notification(title, { body, tag: 'parley' });
  }
}

export async function askNotifications(): Promise<void> {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    await Notification.requestPermission();
  }
}
