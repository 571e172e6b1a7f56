// The launcher's and the panel's styles, inside embed.js's shadow root so
// the merchant's CSS and ours never meet.

export function launcherStyles(side: 'left' | 'right', color: string): string {
  const safe = /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '#1f6feb';
  return `
:host { all: initial; }
.launcher {
  position: fixed; ${side}: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;
  border-radius: 50%; border: 0; background: ${safe}; color: #fff; cursor: pointer;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center;
}
.launcher:focus-visible { outline: 3px solid #ffb300; outline-offset: 3px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 5px;
  border-radius: 10px; background: #d93025; color: #fff; font: 600 12px/20px system-ui, sans-serif;
  text-align: center;
}
.badge[hidden], .panel[hidden] { display: none; }
.panel {
  position: fixed; ${side}: 20px; bottom: 88px; z-index: 2147483000; width: 380px; height: min(640px, calc(100vh - 110px));
  border-radius: 12px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.25); background: #fff;
}
.panel iframe { border: 0; width: 100%; height: 100%; display: block; }
@media (max-width: 480px) {
  .panel { ${side}: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
  .launcher[aria-expanded="true"] { display: none; }
}
`;
}
