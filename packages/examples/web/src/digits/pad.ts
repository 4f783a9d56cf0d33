import { toMnistPixels } from './preprocess.js';

/** Stroke width on the 280-pixel pad: about 2 pixels once a full-height digit is scaled to 20. */
const STROKE = 20;

/**
 * A canvas to draw a digit on with the mouse, a pen or a finger. `onDrawing` receives the 784
 * pixels the net should see (null once cleared) while drawing, at most once per frame.
 */
export class DrawingPad {
  readonly #ctx: CanvasRenderingContext2D;
  #last: { x: number; y: number } | null = null;
  #frame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onDrawing: (pixels: Float32Array | null) => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('DrawingPad: the canvas has no 2-D context');
    this.#ctx = ctx;
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.#last = this.#point(e);
      this.#stroke(this.#last, this.#last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.#last === null) return;
      const next = this.#point(e);
      this.#stroke(this.#last, next);
      this.#last = next;
    });
    const end = () => {
      this.#last = null;
      this.#emit();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** Wipes the drawing and reports an empty pad. */
  clear(): void {
    this.#ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.onDrawing(null);
  }

  /** The drawing as the net sees it, or null when the pad is empty. */
  pixels(): Float32Array | null {
    const { width, height } = this.canvas;
    const rgba = this.#ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3]! / 255;
    return toMnistPixels({ width, height, ink });
  }

  /** Pointer position in canvas pixels (the CSS box may be scaled). */
  #point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - box.left) / box.width) * this.canvas.width, y: ((e.clientY - box.top) / box.height) * this.canvas.height };
  }

  #stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.#ctx;
    ctx.strokeStyle = '#111';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    cancelAnimationFrame(this.#frame);
    this.#frame = requestAnimationFrame(() => this.#emit());
  }

  #emit(): void {
    cancelAnimationFrame(this.#frame);
    this.onDrawing(this.pixels());
  }
}
