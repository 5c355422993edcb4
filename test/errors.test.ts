// The error classes: one constructor shape `(problem, options)`, the argument or file at fault as a
// property, the standard `cause`, and a message that is one sentence formatted in one place.
import { describe, expect, it } from 'vitest';
import {
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
} from '../src/index.js';

describe('error classes', () => {
  const cause = new Error('the system said no');
  const cases: Array<[string, FashionMnistError, string, { argument?: string; file?: string }]> = [
    ['InvalidArgumentError', new InvalidArgumentError('a positive integer', { argument: 'options.width', received: 0, cause }), 'Argument `options.width` must be a positive integer, but received 0.', { argument: 'options.width' }],
    [
      'DataVerificationError',
      new DataVerificationError('the IDX magic number', { file: 'a.idx', expected: 2051, actual: 2049, cause }),
      'a.idx: the IDX magic number should be 2051 but is 2049.',
      { file: 'a.idx' },
    ],
    ['DownloadError', new DownloadError('HTTP 404 Not Found', { file: 'https://example.com/a.gz', cause }), 'https://example.com/a.gz: HTTP 404 Not Found.', { file: 'https://example.com/a.gz' }],
    ['ModelFileError', new ModelFileError('not valid JSON (Unexpected end)', { file: 'm/model.json', cause }), 'm/model.json: not valid JSON (Unexpected end).', { file: 'm/model.json' }],
    ['FileWriteError', new FileWriteError('cannot be written; permission denied (EACCES)', { file: 'a.png', cause }), 'a.png: cannot be written; permission denied (EACCES).', { file: 'a.png' }],
    ['ImageDecodeError', new ImageDecodeError('The file is not a readable PNG image', { file: 'a.png', cause }), 'a.png: The file is not a readable PNG image.', { file: 'a.png' }],
    ['DatasetUnavailableError', new DatasetUnavailableError('cannot be read (EACCES)', { file: '/data', cause }), '/data: cannot be read (EACCES).', { file: '/data' }],
    ['WasmBackendError', new WasmBackendError('The WebAssembly backend failed to start', { cause }), 'The WebAssembly backend failed to start.', {}],
    ['RendererError', new RendererError('resvg could not read the SVG document.', { cause }), 'resvg could not read the SVG document.', {}],
  ];

  it.each(cases)('%s takes (problem, options), names its subject and keeps the cause', (name, error, message, subject) => {
    expect(error).toBeInstanceOf(FashionMnistError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error.argument).toBe(subject.argument);
    expect(error.file).toBe(subject.file);
    expect(error.cause).toBe(cause);
  });

  it('has no cause unless given one, as Error', () => {
    const error = new ModelFileError('not readable', { file: 'x' });
    expect('cause' in error).toBe(false);
    expect(new FashionMnistError('Something failed').message).toBe('Something failed.');
  });

  it('keeps what InvalidArgumentError and DataVerificationError were told as properties', () => {
    const invalid = new InvalidArgumentError('one of "a" or "b"', { argument: 'options.kind', received: 'c' });
    expect([invalid.argument, invalid.expected, invalid.received]).toEqual(['options.kind', 'one of "a" or "b"', 'c']);
    const data = new DataVerificationError('the SHA-256', { file: 'f', expected: 'aa', actual: 'bb' });
    expect([data.file, data.expected, data.actual]).toEqual(['f', 'aa', 'bb']);
  });

  it('shows received values short and never as [object Object]', () => {
    const message = (received: unknown) => new InvalidArgumentError('x', { argument: 'a', received }).message;
    expect(message('text')).toBe('Argument `a` must be x, but received "text".');
    expect(message({ shape: [2, 3] })).toBe('Argument `a` must be x, but received a tensor of shape [2, 3].');
    expect(message(new Uint8Array(5))).toBe('Argument `a` must be x, but received Uint8Array of length 5.');
    expect(message(Array.from({ length: 10 }, (_, i) => i))).toBe('Argument `a` must be x, but received [0, 1, 2, 3, 4, 5, 6, 7, … (10 items)].');
    expect(message(new Map())).toBe('Argument `a` must be x, but received an object (Map).');
  });
});
