/** The four files of the Fashion-MNIST release, by role. */
export type FashionMnistFile = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** SHA-256 digests (lowercase hex) of decompressed files, keyed by {@link FashionMnistFile}. */
export type FashionMnistChecksums = Readonly<Record<FashionMnistFile, string>>;

export interface FileSpec {
  readonly role: FashionMnistFile;
  /** File name without `.gz`, as Zalando and Keras name it. */
  readonly name: string;
  readonly kind: 'images' | 'labels';
  readonly split: 'train' | 'test';
  /** Number of items in the official release. */
  readonly count: number;
}

export const FILE_SPECS: readonly FileSpec[] = [
  { role: 'trainImages', name: 'train-images-idx3-ubyte', kind: 'images', split: 'train', count: 60_000 },
  { role: 'trainLabels', name: 'train-labels-idx1-ubyte', kind: 'labels', split: 'train', count: 60_000 },
  { role: 'testImages', name: 't10k-images-idx3-ubyte', kind: 'images', split: 'test', count: 10_000 },
  { role: 'testLabels', name: 't10k-labels-idx1-ubyte', kind: 'labels', split: 'test', count: 10_000 },
];

/**
 * SHA-256 of the decompressed official files. Checked against Debian's dataset-fashion-mnist
 * (whose decompressed bytes equal Zalando's release) and against the same digests published
 * independently by other projects. Digests of the decompressed bytes, not the `.gz`, because
 * mirrors recompress (Debian did).
 */
export const OFFICIAL_CHECKSUMS: FashionMnistChecksums = /* @__PURE__ */ Object.freeze({
  trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
});

/** Official download mirrors, tried in order: the Keras storage bucket, then Zalando's. */
export const OFFICIAL_MIRRORS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
]);

/** The class names the Keras tutorial prints, index = label. */
export const FASHION_MNIST_LABELS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot',
]);

/** The official class names of Zalando's release, index = label. */
export const FASHION_MNIST_LONG_LABELS: readonly string[] = /* @__PURE__ */ Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);
