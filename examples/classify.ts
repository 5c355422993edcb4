// examples/classify.ts: classify pictures (PNG or JPEG) with the pretrained model, no training:
// `npx tsx examples/classify.ts examples/images/ankle-boot.png my-shirt.jpg`. With MODEL=out/model
// it uses a model you saved instead, such as the one examples/tour.ts writes.
import '@tensorflow/tfjs-backend-wasm';
import { classifyImages, loadModel, loadPretrainedModel, readImage } from 'tfjs-fashion-mnist/node';
import { useWasmBackend } from 'tfjs-fashion-mnist/wasm';

await useWasmBackend();
const model = process.env.MODEL ? await loadModel(process.env.MODEL) : await loadPretrainedModel();
const files = process.argv.slice(2);
const pictures = await Promise.all(files.map((file) => readImage(file)));
// Grayscale, resized to 28x28 and inverted when the background is light, as the tutorial does.
const results = await classifyImages(model, pictures);
results.forEach(({ ranked }, i) => {
  const top3 = ranked.slice(0, 3).map(({ label, probability }) => `${label} ${(probability * 100).toFixed(1)}%`);
  console.log(`${files[i]}: ${top3.join(', ')}`);
});
