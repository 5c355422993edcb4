// examples/classify.ts: classify your own pictures (PNG or JPEG) with a saved model, such as the one
// examples/tour.ts writes: `npx tsx examples/classify.ts shoe.jpg shirt.png`.
import '@tensorflow/tfjs-backend-wasm';
import { classifyImages, loadModel, readImage } from 'tfjs-fashion-mnist/node';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

await useWasmBackend();
const model = await loadModel(process.env.MODEL ?? 'out/model');
const files = process.argv.slice(2);
const pictures = await Promise.all(files.map((file) => readImage(file)));
// Grayscale, resized to 28x28 and inverted when the background is light, as the tutorial does.
const results = await classifyImages(model, pictures);
results.forEach(({ ranked }, i) => {
  const top3 = ranked.slice(0, 3).map(({ label, probability }) => `${label} ${(probability * 100).toFixed(1)}%`);
  console.log(`${files[i]}: ${top3.join(', ')}`);
});
