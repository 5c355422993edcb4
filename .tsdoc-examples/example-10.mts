// src/errors.ts:128
import { DownloadError } from 'tfjs-fashion-mnist';

const error = new DownloadError('https://example.com/a.gz', 'HTTP 404 Not Found');
console.log(error.message); // https://example.com/a.gz: HTTP 404 Not Found.
export {};
