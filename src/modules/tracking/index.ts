/** The tracking module: status links that show a customer their order without an API key. */
export { createStatusLinks, type StatusLink, type StatusLinks } from './status-links.js';
