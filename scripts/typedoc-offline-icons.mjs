// A TypeDoc plugin: the API reference's icons refer to the icon sprite that assets/icons.js puts
// into every page, instead of to assets/icons.svg. Browsers refuse to load another file:// file into
// an SVG <use> ("file: URLs are treated as unique security origins"), so opened from disk each icon
// logged an error before icons.js patched it; served over HTTP nothing changes, as the sprite in
// the page holds the same icons.
import { PageEvent } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.on(PageEvent.END, (page) => {
    if (page.contents) page.contents = page.contents.replace(/href="(?:\.\.\/)*assets\/icons\.svg#icon-/g, 'href="#icon-');
  });
}
