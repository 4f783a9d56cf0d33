import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { dotToSvg, FIGURE_FONT_FAMILY, rasteriseSvg, writeDotFigure } from '../src/figures/render.js';

/** Pixels whose colour is clearly not the white background, counted per dominant channel. */
function inkPixels(pixels: Buffer): { dark: number; red: number; blue: number } {
  let dark = 0;
  let red = 0;
  let blue = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
    if (r < 90 && g < 90 && b < 90) dark++;
    else if (r > 150 && g < 90 && b < 90) red++;
    else if (b > 120 && r < 90) blue++;
  }
  return { dark, red, blue };
}

const textOnly = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">
  <text x="10" y="30" font-family="${FIGURE_FONT_FAMILY}" font-size="24" fill="black">220</text>
</svg>`;

describe('figure rendering', () => {
  it('draws text with the shipped font even though no system font is loaded', () => {
    expect(inkPixels(rasteriseSvg(textOnly, { scale: 1 }).pixels).dark).toBeGreaterThan(50);
    // The trap this guards against: the same SVG without the font file comes out blank.
    const bare = new Resvg(textOnly, { font: { loadSystemFonts: false }, background: 'white' }).render();
    expect(inkPixels(bare.pixels).dark).toBe(0);
  });

  it('lays out DOT with Graphviz and reports its errors', async () => {
    const svg = await dotToSvg(`digraph { a [label="hello"]; a -> b [label="2.2", color=red]; }`);
    expect(svg).toContain('<svg');
    expect(svg).toContain('>hello</text>');
    expect(svg).toContain('>2.2</text>');
    await expect(dotToSvg('digraph { a -> ')).rejects.toThrow(/dotToSvg: Graphviz could not lay out the graph: .*syntax error/);
  });

  it('writes an SVG and a PNG whose pixels show the labels and the coloured arrows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'matgrad-fig-'));
    try {
      const dot = `digraph { rankdir=LR; node [fontname="${FIGURE_FONT_FAMILY}"]; edge [fontname="${FIGURE_FONT_FAMILY}"];
        x [shape=plaintext]; m [shape=circle, label="×"];
        x -> m [label="100", color=blue, fontcolor=blue]; x -> m [label="2.2", color=red, fontcolor=red, dir=back]; }`;
      const { svgPath, pngPath } = await writeDotFigure(dot, join(dir, 'nested', 'tiny'));
      const svg = await readFile(svgPath, 'utf8');
      expect(svg).toContain('>100</text>');
      const png = await readFile(pngPath);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const image = rasteriseSvg(svg);
      // IHDR: width and height, big-endian, at bytes 16 and 20; the default scale is 2.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([image.width, image.height]);
      // Graphviz sizes the SVG in points; resvg reads them as 96-dpi pixels (4/3 px per pt).
      expect(Math.abs(image.width - (2 * 4 * Number(/width="(\d+)pt"/.exec(svg)![1])) / 3)).toBeLessThan(1);
      const ink = inkPixels(image.pixels);
      expect(ink.dark).toBeGreaterThan(100);
      expect(ink.red).toBeGreaterThan(100);
      expect(ink.blue).toBeGreaterThan(100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
