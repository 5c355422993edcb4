/** Where {@link loadFashionMnist} found the data. */
export interface FashionMnistSource {
  /**
   * `dir` (the `dir` option), `env` (`FASHION_MNIST_DIR`), `keras` (the Keras cache), `cache` (this
   * library's cache), `debian` (`/usr/share/datasets/fashion-mnist`), `download` (just downloaded into
   * this library's cache) or `url` (the `baseUrl` option).
   */
  kind: 'dir' | 'env' | 'keras' | 'cache' | 'debian' | 'download' | 'url';
  /** The directory or base URL the files came from. */
  location: string;
}

/** Progress of one file's download, reported to `options.onProgress`. */
export interface DownloadProgress {
  /** File name without `.gz`, e.g. `train-images-idx3-ubyte`. */
  file: string;
  /** The URL being downloaded. */
  url: string;
  /** Bytes received so far. */
  loaded: number;
  /** Total bytes when the server announced them. */
  total: number | undefined;
}
