import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg, type RenderedImage } from '@resvg/resvg-js';
import { instance, type Viz } from '@viz-js/viz';
import { FileWriteError, writeFileAtomic } from '../files/atomic-file.js';

/** Every figure names this family: Graphviz measures text with it, resvg draws with the shipped file. */
export const FIGURE_FONT_FAMILY = 'DejaVu Sans';

/** DejaVu Sans from npm `dejavu-fonts-ttf`: without a font given explicitly, resvg on a machine
 *  without system fonts silently drops every piece of text. */
export function figureFontFile(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
}

let viz: Promise<Viz> | undefined;

/** Lays out a DOT graph with Graphviz (compiled to WebAssembly) and returns the SVG. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= instance();
  const result = (await viz).render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    const messages = result.errors.map((e) => e.message.trim()).join('; ');
    throw new Error(`dotToSvg: Graphviz could not lay out the graph: ${messages}`);
  }
  return result.output;
}

/** How an SVG is rasterised. */
export interface PngOptions {
  /** Pixels per SVG unit: 2 gives sharp text on high-density screens. */
  scale?: number;
}

/** Rasterises an SVG with resvg on white, drawing its text in the shipped DejaVu Sans only. */
export function rasteriseSvg(svg: string, { scale = 2 }: PngOptions = {}): RenderedImage {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [figureFontFile()], defaultFontFamily: FIGURE_FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render();
}

/** The PNG of an SVG (see rasteriseSvg). */
export function svgToPng(svg: string, options?: PngOptions): Buffer {
  return rasteriseSvg(svg, options).asPng();
}

/** The two files of a figure. */
export interface WrittenFigure {
  /** The SVG written. */
  svgPath: string;
  /** The PNG written. */
  pngPath: string;
}

/** Writes `<basePath>.svg` and `<basePath>.png` (each atomically: complete or not at all), creating the folder. */
export async function writeSvgFigure(svg: string, basePath: string, options?: PngOptions): Promise<WrittenFigure> {
  const svgPath = `${basePath}.svg`;
  const pngPath = `${basePath}.png`;
  await mkdir(dirname(basePath), { recursive: true }).catch((error: unknown) => {
    throw new FileWriteError(svgPath, error);
  });
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, svgToPng(svg, options));
  return { svgPath, pngPath };
}

/** Lays out a DOT graph and writes it as `<basePath>.svg` and `.png`. */
export async function writeDotFigure(dot: string, basePath: string, options?: PngOptions): Promise<WrittenFigure> {
  return writeSvgFigure(await dotToSvg(dot), basePath, options);
}
