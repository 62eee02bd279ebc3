import { TRAIL_MS } from './plant.js';

/**
 * Draws the last minutes of a sensor as a line, scaled to its own range. A canvas per sensor and no chart library:
 * dozens of these redraw every second, and they need no axes.
 */
export function drawSparkline(canvas: HTMLCanvasElement, trail: { t: number[]; v: number[] }, color: string): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const n = trail.t.length;
  if (n < 2) return;
  let min = Infinity;
  let max = -Infinity;
  for (const v of trail.v) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || Math.abs(max) || 1;
  // Until the trail covers the full window, it spans the width: a fresh page shows a line at once.
  const end = Date.now();
  const start = Math.max(end - TRAIL_MS, trail.t[0]);
  const pad = 2;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const x = ((trail.t[i] - start) / Math.max(1, end - start)) * width;
    const y = pad + (1 - (trail.v[i] - min) / span) * (height - 2 * pad);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.stroke();
}
