import './fonts.js';
import { mountDigits } from './digits/panel.js';
import { mountGraphs } from './graphs/panel.js';
import { required } from './shared/dom.js';
import { mountSpiral } from './spiral/panel.js';

mountGraphs(required(document, '#graphs', HTMLElement));
mountSpiral(required(document, '#spiral', HTMLElement));
mountDigits(required(document, '#digits', HTMLElement));
