export { buildMiniVGGNet, MINI_VGG_NET_DEFAULTS } from './architectures/minivggnet.js';
export type { MiniVGGNetOptions } from './architectures/minivggnet.js';

export { FashionMnistError, InvalidArgumentError, DataVerificationError, DatasetUnavailableError } from './errors.js';

export type { DataFormat } from './types.js';
