/**
 * Layout of image tensors: `'channelsLast'` is `[batch, height, width, channels]` (the Keras and
 * TensorFlow.js default), `'channelsFirst'` is `[batch, channels, height, width]`.
 */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/** Every {@link DataFormat}, for validation. */
export const DATA_FORMATS: readonly DataFormat[] = ['channelsLast', 'channelsFirst'];
