#!/usr/bin/env node
// The Keras tutorial "train MiniVGGNet on Fashion-MNIST" as a command-line program (the package's
// bin, dist/cli.js); the commands live in src/cli/:
//   train     load the data, build MiniVGGNet, train with the tutorial's settings, and write the
//             report, plot.png, montage.png, history.json and the saved model into --out
//   evaluate  report, confusion matrix and montage for a saved model (default: the pretrained one)
//   predict   classify your own PNG or JPEG pictures (default model: the pretrained one)
import { runCli } from './cli/main.js';

// The same relative path from src/cli.ts and from dist/cli.js.
runCli(process.argv.slice(2), new URL('../package.json', import.meta.url));
