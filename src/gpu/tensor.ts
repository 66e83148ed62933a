// A typed view of (part of) a GPU buffer with a shape. Tensors never own
// WebGPU objects directly: the context's pool does, so disposing a tensor
// returns its buffer for reuse instead of destroying it.

export type DType = 'f32' | 'u32' | 'i32';

export type TypedArrayFor<D extends DType> = D extends 'f32' ? Float32Array : D extends 'u32' ? Uint32Array : Int32Array;

/** Binding offsets must be multiples of this many bytes (minStorageBufferOffsetAlignment). */
export const BINDING_ALIGN = 256;

/** n elements rounded up to a whole number of binding alignments: where a view that follows n elements may start. */
export function alignedElements(n: number): number {
  const words = BINDING_ALIGN / 4;
  return Math.ceil(n / words) * words;
}

/**
 * One view over `first` and `second` (views of one buffer, `second` after
 * `first`), and how many `unit`-element steps in `second` starts: kernels that
 * read two small arrays through one binding this way (a layer norm's weight
 * and bias, its means and rstds) stay within a stage's eight storage buffers.
 */
export function spanViews(first: Tensor, second: Tensor, unit: number, what: string, fn: string): { t: Tensor; at: number } {
  const gap = second.byteOffset - first.byteOffset;
  if (first.buffer !== second.buffer || gap < first.byteLength || gap % (4 * unit) !== 0) throw new Error(`${fn}: the ${what} must be views of one buffer, the second after the first`);
  return { t: new Tensor(first.buffer, [gap / 4 + second.size], first.dtype, first.byteOffset, null), at: gap / (4 * unit) };
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function typedArrayFor<D extends DType>(dtype: D, length: number): TypedArrayFor<D> {
  const a = dtype === 'f32' ? new Float32Array(length) : dtype === 'u32' ? new Uint32Array(length) : new Int32Array(length);
  return a as TypedArrayFor<D>;
}

export class Tensor<D extends DType = DType> {
  private disposed = false;

  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: D,
    /** Byte offset of element 0 in `buffer` (a multiple of BINDING_ALIGN). */
    readonly byteOffset: number,
    private readonly onDispose: ((buffer: GPUBuffer) => void) | null,
  ) {
    for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`Bad tensor shape [${shape.join(', ')}]`);
    if (byteOffset % BINDING_ALIGN !== 0) throw new Error(`Tensor offset ${byteOffset} is not a multiple of ${BINDING_ALIGN} bytes`);
  }

  get size(): number {
    return product(this.shape);
  }

  get byteLength(): number {
    return this.size * 4;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A view of `shape` starting `elementOffset` elements in; it shares the buffer and is never disposed itself. */
  view(shape: readonly number[], elementOffset = 0): Tensor<D> {
    return this.viewAs(this.dtype, shape, elementOffset);
  }

  /** view(), its 32-bit words read as `dtype`: arrays of different types laid out in one buffer. */
  viewAs<E extends DType>(dtype: E, shape: readonly number[], elementOffset = 0): Tensor<E> {
    const bytes = elementOffset * 4;
    if (bytes + product(shape) * 4 > this.byteLength) throw new Error(`View [${shape.join(', ')}] at ${elementOffset} exceeds tensor [${this.shape.join(', ')}]`);
    return new Tensor(this.buffer, shape, dtype, this.byteOffset + bytes, null);
  }

  /** Same memory, another shape with the same number of elements. */
  reshape(shape: readonly number[]): Tensor<D> {
    if (product(shape) !== this.size) throw new Error(`Cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}]`);
    return new Tensor(this.buffer, shape, this.dtype, this.byteOffset, null);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose?.(this.buffer);
  }
}
