// Validation of a tfjs `model.json` before anything it names is opened or handed to tfjs: every
// field the loader uses is checked here, so a hostile or damaged file fails with a ModelFileError
// naming it instead of a TypeError deep in tfjs, and the weights' size is known before any is read.
import { createHash } from 'node:crypto';
import { isAbsolute as posixIsAbsolute } from 'node:path/posix';
import { isAbsolute as win32IsAbsolute } from 'node:path/win32';
import { DataVerificationError, describeValue, ModelFileError } from '../errors.js';

/** Largest `model.json` the loader reads (64 MiB): checked on the open file before reading it. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Largest total of weights the loader accepts (2 GiB), computed from the manifest before reading. */
export const MAX_WEIGHT_BYTES = 2 * 1024 * 1024 * 1024;
/** Most weight files one model.json may list; each is opened in turn, never all at once. */
export const MAX_WEIGHT_FILES = 10_000;

/** Bytes per value of the storage types tfjs' `io.decodeWeights` reads without quantization. */
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8 } as const;
/** Bytes per value of the quantized storage types tfjs reads. */
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

type WeightDtype = keyof typeof DTYPE_BYTES;
type Quantization = { dtype: 'uint8' | 'uint16'; min: number; scale: number } | { dtype: 'float16' };

/** One weight as the manifest describes it, rebuilt from checked fields only. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  group?: 'model' | 'optimizer';
  quantization?: Quantization;
}

/** One manifest group: its files, concatenated, hold its weights in order. */
export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
  /** Bytes the group's weights take, from their shapes and types. */
  bytes: number;
}

/** The fields of a `model.json` the loader uses, checked. */
export interface ModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightGroup[];
  trainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  /** SHA-256 of all weight files concatenated, written by this library's saveModel. */
  weightsSha256?: string;
  /** Bytes of all weights. */
  weightBytes: number;
}

/**
 * Parses and checks the text of a `model.json`.
 *
 * @param file - The file's path, named in errors.
 * @param text - Its content.
 * @returns The checked fields.
 * @throws {@link ModelFileError} naming the file and the first field at fault.
 */
export function parseModelJson(file: string, text: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(`not valid JSON (${(error as Error).message})`, { file, cause: error });
  }
  if (!isPlainObject(json)) throw new ModelFileError(`must hold a JSON object, but holds ${describeValue(json)}`, { file });
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new ModelFileError(`\`${field}\` must be ${expected}, but is ${describeValue(value)}`, { file });
  };
  // Checked first: a file changed since it was saved is reported as such, whatever the change broke.
  const recorded = json.modelJsonSha256;
  if (recorded !== undefined) {
    if (typeof recorded !== 'string' || !SHA256.test(recorded)) fail('modelJsonSha256', 'a SHA-256 in 64 lowercase hexadecimal digits', recorded);
    let actual: string;
    try {
      actual = contentSha256(json);
    } catch (error) {
      // JSON.stringify recurses; JSON.parse does not, so a hostile file can nest deeper than it can.
      throw new ModelFileError(`nested too deeply to be checked (${(error as Error).message})`, { file, cause: error });
    }
    if (actual !== recorded) throw new DataVerificationError('the SHA-256 of its content (without `modelJsonSha256`)', { file, expected: recorded as string, actual });
  }
  if (json.format !== undefined && json.format !== 'layers-model') fail('format', '"layers-model" (a graph model cannot be loaded as a layers model)', json.format);
  const topology = json.modelTopology;
  if (!isPlainObject(topology)) return fail('modelTopology', 'an object', topology);
  const optional = (field: 'trainingConfig' | 'userDefinedMetadata'): Record<string, unknown> | undefined => {
    const value = json[field];
    if (value === undefined || value === null) return undefined;
    return isPlainObject(value) ? value : fail(field, 'an object', value);
  };
  let trainingConfig = optional('trainingConfig');
  let userDefinedMetadata = optional('userDefinedMetadata');
  const stashed = userDefinedMetadata?.[STASHED_TRAINING_CONFIG];
  if (stashed !== undefined) {
    if (!isPlainObject(stashed)) fail(`userDefinedMetadata.${STASHED_TRAINING_CONFIG}`, 'an object', stashed);
    if (trainingConfig) fail('trainingConfig', `left out when \`userDefinedMetadata.${STASHED_TRAINING_CONFIG}\` holds it`, trainingConfig);
    const { [STASHED_TRAINING_CONFIG]: _stashed, ...rest } = userDefinedMetadata!;
    trainingConfig = stashed as Record<string, unknown>;
    userDefinedMetadata = Object.keys(rest).length > 0 ? rest : undefined;
  }
  const sha = json.weightsSha256;
  if (sha !== undefined && (typeof sha !== 'string' || !SHA256.test(sha))) fail('weightsSha256', 'a SHA-256 in 64 lowercase hexadecimal digits', sha);
  const weightsManifest = parseManifest(json.weightsManifest, fail);
  const weightBytes = weightsManifest.reduce((sum, group) => sum + group.bytes, 0);
  if (weightBytes > MAX_WEIGHT_BYTES) {
    const declared = Number.isFinite(weightBytes) ? `${weightBytes} bytes of weights, more than` : 'more bytes of weights than';
    throw new ModelFileError(`declares ${declared} the limit of ${MAX_WEIGHT_BYTES} (2 GiB)`, { file });
  }
  return {
    modelTopology: topology,
    weightsManifest,
    weightBytes,
    ...(trainingConfig ? { trainingConfig } : {}),
    ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
    ...(typeof sha === 'string' ? { weightsSha256: sha } : {}),
  };
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Where saveModel puts a training configuration whose optimizer plain tfjs does not know (this
 * library's KerasSGD): plain `tf.loadLayersModel` ignores user-defined metadata, so it loads the
 * model and its weights instead of failing with "Unknown layer: KerasSGD"; this library's loaders
 * move it back and compile the model with its optimizer and state.
 */
export const STASHED_TRAINING_CONFIG = 'tfjsFashionMnistTrainingConfig';

/**
 * The SHA-256 of a model.json's content without its `modelJsonSha256` field: of `JSON.stringify` of
 * the rest, which reproduces the saved text exactly, since saveModel writes JSON.stringify output
 * with the field last. It covers the topology and the manifest (which bytes are which weight), as
 * `weightsSha256` covers the bytes.
 */
export function contentSha256(json: Record<string, unknown>): string {
  const { modelJsonSha256: _recorded, ...rest } = json;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

type Fail = (field: string, expected: string, value: unknown) => never;

function parseManifest(manifest: unknown, fail: Fail): WeightGroup[] {
  if (!Array.isArray(manifest)) return fail('weightsManifest', 'an array of weight groups', manifest);
  const files = manifest.reduce((n: number, group: unknown) => n + (isPlainObject(group) && Array.isArray(group.paths) ? group.paths.length : 0), 0);
  if (files > MAX_WEIGHT_FILES) fail('weightsManifest', `a list of at most ${MAX_WEIGHT_FILES} weight files`, `a list of ${files}`);
  return manifest.map((group: unknown, g) => {
    const at = `weightsManifest[${g}]`;
    if (!isPlainObject(group)) return fail(at, 'an object with `paths` and `weights`', group);
    const { paths, weights } = group;
    if (!Array.isArray(paths) || paths.length === 0) return fail(`${at}.paths`, 'a non-empty array of file names', paths);
    paths.forEach((path: unknown, p) => checkWeightPath(path, `${at}.paths[${p}]`, fail));
    if (!Array.isArray(weights)) return fail(`${at}.weights`, 'an array of weight specifications', weights);
    const specs = weights.map((spec: unknown, w) => parseSpec(spec, `${at}.weights[${w}]`, fail));
    return { paths: paths as string[], weights: specs, bytes: specs.reduce((sum, spec) => sum + specBytes(spec), 0) };
  });
}

/**
 * A weights path must name a file inside the model folder: relative, without `..` segments, drive
 * letters or NUL bytes. Symbolic links are resolved and checked again when the file is opened.
 */
function checkWeightPath(path: unknown, field: string, fail: Fail): void {
  const valid =
    typeof path === 'string' &&
    path !== '' &&
    path.length <= 1024 &&
    !path.includes('\0') &&
    !posixIsAbsolute(path) &&
    !win32IsAbsolute(path) &&
    !/^[a-zA-Z]:/.test(path) &&
    !path.split(/[/\\]/).includes('..');
  if (!valid) fail(field, 'a relative path inside the model folder (no "..", no absolute path)', path);
}

function parseSpec(spec: unknown, at: string, fail: Fail): WeightSpec {
  if (!isPlainObject(spec)) return fail(at, 'an object with `name`, `shape` and `dtype`', spec);
  const { name, shape, dtype, group, quantization } = spec;
  if (typeof name !== 'string' || name === '') fail(`${at}.name`, 'a non-empty string', name);
  if (!Array.isArray(shape) || shape.length > 32 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${at}.shape`, 'an array of at most 32 non-negative integers', shape);
  }
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) fail(`${at}.dtype`, `one of ${Object.keys(DTYPE_BYTES).join(', ')}`, dtype);
  if (group !== undefined && group !== 'model' && group !== 'optimizer') fail(`${at}.group`, '"model" or "optimizer"', group);
  const checked: WeightSpec = { name: name as string, shape: shape as number[], dtype: dtype as WeightDtype, ...(group ? { group } : {}) };
  if (quantization !== undefined) checked.quantization = parseQuantization(quantization, checked.dtype, `${at}.quantization`, fail);
  return checked;
}

/** The quantizations tfjs decodes: uint8/uint16 with `min` and `scale`, float16 of float32 weights. */
function parseQuantization(value: unknown, dtype: WeightDtype, at: string, fail: Fail): Quantization {
  if (!isPlainObject(value)) return fail(at, 'an object with a `dtype`', value);
  const q = value.dtype;
  if (q === 'float16' && dtype === 'float32') return { dtype: 'float16' };
  if ((q === 'uint8' || q === 'uint16') && (dtype === 'float32' || dtype === 'int32')) {
    const { min, scale } = value;
    if (typeof min !== 'number' || !Number.isFinite(min)) fail(`${at}.min`, 'a finite number', min);
    if (typeof scale !== 'number' || !Number.isFinite(scale)) fail(`${at}.scale`, 'a finite number', scale);
    return { dtype: q, min: min as number, scale: scale as number };
  }
  return fail(`${at}.dtype`, `uint8 or uint16 (float32 or int32 weights) or float16 (float32 weights) for a ${dtype} weight`, q);
}

/** Bytes one weight takes in the files; Infinity once it is past any possible limit (so no product overflows). */
export function specBytes(spec: WeightSpec): number {
  if (spec.shape.includes(0)) return 0;
  let values = 1;
  for (const d of spec.shape) {
    values *= d;
    if (values > MAX_WEIGHT_BYTES) return Infinity;
  }
  return values * (spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
