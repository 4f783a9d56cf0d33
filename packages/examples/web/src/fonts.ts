// Graphviz lays the graphs out with DejaVu Sans metrics; the page draws them with the same
// font, shipped by npm dejavu-fonts-ttf and fetched only where the system lacks it.
import dejaVuSans from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';

const face = new FontFace('DejaVu Sans', `local("DejaVu Sans"), url(${JSON.stringify(dejaVuSans)}) format("truetype")`);
document.fonts.add(face);
void face.load();
