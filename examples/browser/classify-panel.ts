/// <reference types="vite/client" />
// The demo's "Classify" panel: draw a garment or drop a photo, and see the three most probable
// classes according to the pretrained model the package ships, or to the model just trained on the
// page. Preprocessing (grayscale, resize to 28x28, inversion of light backgrounds) is classifyImage's.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { classifyImage, loadPretrainedModel, type Classification } from 'tfjs-fashion-mnist';
// The package's two pretrained files as assets, the way an app using the package gets them with Vite:
// `?url` makes Vite copy each file into the build (hashed name) and give its URL, instead of parsing
// the JSON into the bundle. Both are larger than Vite's inlining limit (4 KiB), so they stay files;
// loadPretrainedModel would read a data: URL as well. Without a bundler, serve the package's
// `pretrained/` folder and pass `modelUrl: '/pretrained/model.json'` alone.
import modelUrl from 'tfjs-fashion-mnist/pretrained/model.json?url';
import weightsUrl from 'tfjs-fashion-mnist/pretrained/weights.bin?url';

/** Brush width in canvas pixels: about 2.4 of Fashion-MNIST's 28 pixels, so a few strokes fill a garment's area. */
const BRUSH = 24;
/** Photos larger than this (either side) are scaled down by the browser first, bounding the pixels read back. */
const MAX_PHOTO_SIDE = 1024;
/** Larger files are refused before decoding. */
const MAX_PHOTO_BYTES = 25 * 1024 * 1024;

type ModelChoice = 'pretrained' | 'trained';

/** The panel's elements, found by id in index.html. */
interface Elements {
  panel: HTMLElement;
  sketch: HTMLCanvasElement;
  clear: HTMLButtonElement;
  file: HTMLInputElement;
  status: HTMLElement;
  predictions: HTMLOListElement;
  pretrainedChoice: HTMLInputElement;
  trainedChoice: HTMLInputElement;
  trainedInfo: HTMLElement;
}

/** What the panel classifies: the drawing (the sketch canvas itself) or a decoded photo. */
type Picture = { kind: 'drawing' } | { kind: 'photo'; name: string; canvas: HTMLCanvasElement };

export interface ClassifyPanel {
  /** Offers `model` (just trained) as the "trained on this page" choice; disposes the one it replaces. */
  setTrainedModel(model: LayersModel, description: string): void;
}

/**
 * Wires the panel up and starts loading the pretrained model once `backendReady` resolves (the
 * page's backend must be chosen first: tensors are created on the active backend). Never throws;
 * every error is shown in the panel.
 */
export function createClassifyPanel(backendReady: () => Promise<unknown>): ClassifyPanel {
  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const ui: Elements = {
    panel: $('classify'),
    sketch: $('sketch'),
    clear: $('clear-sketch'),
    file: $('photo'),
    status: $('classify-status'),
    predictions: $('predictions'),
    pretrainedChoice: $('model-pretrained'),
    trainedChoice: $('model-trained'),
    trainedInfo: $('trained-info'),
  };
  // Read back on every prediction: keep the pixels on the CPU side.
  const context = ui.sketch.getContext('2d', { willReadFrequently: true })!;
  let picture: Picture | undefined;
  let pretrained: Promise<LayersModel> | undefined;
  let loadError: unknown;
  let trained: { model: LayersModel; description: string } | undefined;
  // Predictions run one at a time, in order, so a model is never disposed of while in use.
  let queue: Promise<void> = Promise.resolve();
  let predictions = 0;

  const setStatus = (text: string, state: 'loading' | 'ready' | 'busy' | 'error'): void => {
    ui.status.textContent = text;
    ui.panel.dataset['state'] = state;
  };

  const choice = (): ModelChoice => (ui.trainedChoice.checked ? 'trained' : 'pretrained');

  /** The pretrained model, loaded once; a failed load is retried the next time it is needed. */
  const pretrainedModel = (): Promise<LayersModel> => {
    if (pretrained) return pretrained;
    const loading = backendReady().then(() => loadPretrainedModel({ modelUrl, weightsUrl }));
    pretrained = loading;
    loading.catch((error: unknown) => {
      loadError = error;
      if (pretrained === loading) pretrained = undefined;
    });
    return loading;
  };

  const clearSketch = (): void => {
    context.fillStyle = '#000';
    context.fillRect(0, 0, ui.sketch.width, ui.sketch.height);
    picture = undefined;
    ui.predictions.replaceChildren();
  };

  const enqueue = (task: () => Promise<void>): void => {
    queue = queue.then(task).catch((error: unknown) => {
      ui.predictions.replaceChildren();
      setStatus(error === loadError ? `${describeError(error)} Draw or drop a photo to try again.` : describeError(error), 'error');
    });
  };

  const predict = (): void =>
    enqueue(async () => {
      const current = picture;
      if (!current) return;
      const which = choice();
      setStatus(which === 'trained' ? 'Classifying with the model trained on this page…' : pretrained ? 'Classifying…' : 'Loading the pretrained model…', 'busy');
      const model = which === 'trained' && trained ? trained.model : await pretrainedModel();
      const result = await classifyImage(model, current.kind === 'drawing' ? ui.sketch : current.canvas);
      if (current !== picture) return; // Cleared or replaced meanwhile: a newer request follows, or none is due.
      showResult(ui.predictions, result);
      const what = current.kind === 'drawing' ? 'your drawing' : current.name;
      const by = which === 'trained' && trained ? `the model trained on this page (${trained.description})` : 'the pretrained model';
      setStatus(`Top 3 classes for ${what}, according to ${by}:`, 'ready');
      ui.panel.dataset['predictions'] = String(++predictions);
    });

  const showPhoto = (name: string, canvas: HTMLCanvasElement): void => {
    clearSketch();
    // Shown whole, centred; it is classified from its own pixels, not from this letterboxed copy.
    const scale = Math.min(ui.sketch.width / canvas.width, ui.sketch.height / canvas.height);
    const [w, h] = [canvas.width * scale, canvas.height * scale];
    context.imageSmoothingQuality = 'high';
    context.drawImage(canvas, (ui.sketch.width - w) / 2, (ui.sketch.height - h) / 2, w, h);
    picture = { kind: 'photo', name, canvas };
    predict();
  };

  const openFile = (file: File | undefined): void =>
    enqueue(async () => {
      if (!file) throw new Error('No file was dropped: drop an image file (PNG or JPEG).');
      setStatus(`Reading ${file.name}…`, 'busy');
      let photo: HTMLCanvasElement;
      try {
        photo = await decodePhoto(file);
      } catch (error) {
        clearSketch(); // Not to leave the previous picture beside a message about this file.
        throw error;
      }
      showPhoto(file.name, photo);
    });

  drawing(ui.sketch, context, {
    start: () => {
      // A stroke after a photo starts a new drawing.
      if (picture?.kind === 'drawing') return;
      clearSketch();
      picture = { kind: 'drawing' };
    },
    end: predict,
  });
  ui.clear.addEventListener('click', () => {
    clearSketch();
    if (ui.panel.dataset['state'] !== 'loading') setStatus('Draw a garment or drop a photo.', 'ready');
  });
  ui.file.addEventListener('change', () => {
    openFile(ui.file.files?.[0]);
    ui.file.value = ''; // The same file chosen again is a change too.
  });
  ui.panel.addEventListener('dragover', (event) => {
    event.preventDefault(); // Accept the drop instead of letting the browser open the file.
    ui.panel.classList.add('dragging');
  });
  ui.panel.addEventListener('dragleave', () => ui.panel.classList.remove('dragging'));
  ui.panel.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.panel.classList.remove('dragging');
    openFile(event.dataTransfer?.files[0]);
  });
  for (const radio of [ui.pretrainedChoice, ui.trainedChoice]) radio.addEventListener('change', predict);

  clearSketch();
  setStatus('Loading the pretrained model…', 'loading');
  enqueue(async () => {
    await pretrainedModel();
    setStatus('Pretrained model ready: draw a garment or drop a photo.', 'ready');
  });

  return {
    setTrainedModel(model, description) {
      enqueue(async () => {
        trained?.model.dispose();
        trained = { model, description };
        ui.trainedChoice.disabled = false;
        ui.trainedInfo.textContent = `(${description})`;
        if (choice() === 'trained') predict();
      });
    },
  };
}

/** Calls `start` when a stroke begins and `end` when it ends; draws white strokes in between. */
function drawing(canvas: HTMLCanvasElement, context: CanvasRenderingContext2D, on: { start: () => void; end: () => void }): void {
  let last: { x: number; y: number } | undefined;
  const point = (event: PointerEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
  };
  const line = (to: { x: number; y: number }) => {
    context.strokeStyle = '#fff';
    context.lineWidth = BRUSH;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(last!.x, last!.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    last = to;
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId); // Keeps the stroke when the pointer leaves the canvas.
    on.start();
    last = point(event);
    line(last); // A dot for a click without a move.
  });
  canvas.addEventListener('pointermove', (event) => {
    if (last) line(point(event));
  });
  const finish = () => {
    if (!last) return;
    last = undefined;
    on.end();
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);
}

/** Decodes a PNG, JPEG or any image the browser reads, onto a canvas (scaled down if huge). */
async function decodePhoto(file: File): Promise<HTMLCanvasElement> {
  if (file.type !== '' && !file.type.startsWith('image/')) throw new Error(`${file.name} is not an image (its type is ${file.type}): choose a PNG or JPEG photo.`);
  if (file.size > MAX_PHOTO_BYTES) throw new Error(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MiB; photos up to ${MAX_PHOTO_BYTES / 2 ** 20} MiB are read.`);
  let bitmap: ImageBitmap;
  try {
    // The file's own pixel values: no colour-space conversion, no premultiplication.
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new Error(`${file.name} could not be decoded as an image (${(error as Error).message}): choose a PNG or JPEG photo.`, { cause: error });
  }
  try {
    const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  } finally {
    bitmap.close();
  }
}

/** The top three classes as a list: name and percentage as text, a meter beside them. */
function showResult(list: HTMLOListElement, result: Classification): void {
  list.replaceChildren(
    ...result.ranked.slice(0, 3).map(({ label, probability }) => {
      const item = document.createElement('li');
      item.dataset['probability'] = String(probability);
      const name = document.createElement('span');
      name.className = 'class-name';
      name.textContent = label;
      const meter = document.createElement('meter');
      meter.min = 0;
      meter.max = 1;
      meter.value = probability;
      meter.setAttribute('aria-hidden', 'true'); // The percentage beside it says the same.
      const percent = document.createElement('span');
      percent.className = 'percent';
      percent.textContent = `${(probability * 100).toFixed(1)}%`;
      item.append(name, ' ', meter, ' ', percent);
      return item;
    }),
  );
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}
