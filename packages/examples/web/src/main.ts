import './fonts.js';
import { mountGraphs } from './graphs/panel.js';
import { required } from './shared/dom.js';

mountGraphs(required(document, '#graphs', HTMLElement));
