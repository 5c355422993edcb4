/**
 * tfjs-fashion-mnist: the platform-neutral entry. Runs in browsers, Node, Deno and Bun, and reaches no
 * Node built-in. Node-only functions (files, caches, downloads, saving models, writing PNGs and
 * charts, decoding image files) are in `tfjs-fashion-mnist/node`, which re-exports all of this; the
 * WebAssembly training helpers are in `tfjs-fashion-mnist/wasm`.
 *
 * @module tfjs-fashion-mnist
 */
export { buildMiniVGGNet } from './architectures/minivggnet.js';
export type { MiniVGGNetOptions } from './architectures/minivggnet.js';

export {
  DatasetUnavailableError,
  DataVerificationError,
  DownloadError,
  FashionMnistError,
  FileWriteError,
  ImageDecodeError,
  InvalidArgumentError,
  ModelFileError,
  RendererError,
  WasmBackendError,
} from './errors.js';
export type { FashionMnistErrorOptions } from './errors.js';

export type { DataFormat } from './types.js';

export { loadFashionMnist } from './datasets/fashion-mnist.js';
export type { FashionMnist, FashionMnistSourceName, FashionMnistSplit, LoadFashionMnistOptions } from './datasets/fashion-mnist.js';
export { splitToTensors, subsetSplit } from './datasets/tensors.js';
export type { SplitSubset, SplitTensors, SplitToTensorsOptions } from './datasets/tensors.js';
export { FASHION_MNIST_LABELS, FASHION_MNIST_LONG_LABELS } from './datasets/files.js';
export type { FashionMnistChecksums, FashionMnistFile } from './datasets/files.js';
export type { DownloadProgress, FashionMnistSource } from './datasets/types.js';
export { toFashionMnistPixels } from './datasets/preprocess.js';
export type { ToFashionMnistPixelsOptions } from './datasets/preprocess.js';

export { classificationReport } from './metrics/classification-report.js';
export type { ClassificationReportDict, ClassificationReportOptions, ClassScores, ZeroDivision } from './metrics/classification-report.js';
export { accuracy, confusionMatrix } from './metrics/confusion-matrix.js';
export type { AccuracyOptions, ConfusionMatrixOptions } from './metrics/confusion-matrix.js';
export type { ClassLabels } from './metrics/inputs.js';

export { buildMontage } from './viz/montage.js';
export type { MontageImages, MontageOptions } from './viz/montage.js';
export type { RgbImage } from './viz/image.js';
export { drawImageToCanvas } from './viz/canvas.js';
export { configureRenderer } from './viz/renderer.js';
export type { RendererAssets } from './viz/renderer.js';
export { chartToPng, chartToSvg, confusionMatrixSpec, trainingHistorySpec } from './viz/charts.js';
export type { ChartSpec, ConfusionMatrixSpecOptions, TrainingHistory, TrainingHistorySpecOptions } from './viz/charts.js';

export { loadPretrainedModel } from './pretrained/load.js';
export type { LoadPretrainedModelOptions } from './pretrained/load.js';

export { KerasSGD, registerKerasSGD } from './training/sgd.js';
export type { KerasSGDOptions, NamedTensor } from './training/sgd.js';
export { trainFashionMnist } from './training/train.js';
export type { BatchBeginLogs, BatchLogs, EpochLogs, HistoryRecord, LayersCallback, TrainBeginInfo, TrainingCallbacks, TrainingData, TrainingResult, TrainOptions } from './training/train-options.js';
export { augmentSplit } from './training/augment.js';
export type { AugmentOptions, RandomErasingOptions } from './training/augment.js';
export { cosineDecay, kerasTimeDecay, oneCycle, stepDecay } from './training/schedules.js';
export type { CosineDecayOptions, KerasTimeDecayOptions, LearningRateSchedule, OneCycleOptions, ScheduleStep, StepDecayOptions, WarmupOptions } from './training/schedules.js';
export { evaluateModel } from './training/evaluate.js';
export { trainingRecipe } from './training/recipes.js';
export type { RecipeName, TrainingRecipe } from './training/recipes.js';
export type { EvaluateOptions, Evaluation } from './training/evaluate.js';
export { progressBar } from './training/progress.js';
export type { ProgressBarOptions, ProgressStream } from './training/progress.js';
export { earlyStopping } from './training/early-stopping.js';
export type { EarlyStoppingOptions, MonitoredMetric } from './training/early-stopping.js';
export { classifyImage, classifyImages } from './inference/classify.js';
export type { CanvasLike, ClassifiableImage, Classification, ClassifyOptions, ClassScore, PixelImage } from './inference/classify.js';
