/** dst[r, c] = src[index[indexOffset + r], c] for c < width (reference for kernels/gather.ts). */
export function gatherRowsRef<A extends Float32Array | Uint32Array>(src: A, index: ArrayLike<number>, o: { rows: number; width: number; srcWidth: number; indexOffset?: number }): A {
  const { rows, width, srcWidth, indexOffset = 0 } = o;
  const dst = new (src.constructor as new (n: number) => A)(rows * width);
  for (let r = 0; r < rows; r++) {
    const from = index[indexOffset + r];
    if (!(from >= 0 && (from + 1) * srcWidth <= src.length)) throw new Error(`gatherRowsRef: row ${from} outside the source`);
    for (let c = 0; c < width; c++) dst[r * width + c] = src[from * srcWidth + c];
  }
  return dst;
}
