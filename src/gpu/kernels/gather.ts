import { type GpuContext, u32 } from '../context';
import type { Tensor } from '../tensor';

const WG = 256;

/**
 * dst[r, c] = src[index[indexOffset + r], c] for r < rows, c < width: rows
 * picked from src [·, srcWidth] and cut to their first `width` columns. Works
 * on f32 and u32 tensors alike (words are copied as they are).
 */
export function gatherRows(ctx: GpuContext, src: Tensor, index: Tensor<'u32'>, dst: Tensor, o: { rows: number; width: number; srcWidth: number; indexOffset?: number }): void {
  const { rows, width, srcWidth, indexOffset = 0 } = o;
  if (src.dtype !== dst.dtype) throw new Error(`gatherRows: ${src.dtype} into ${dst.dtype}`);
  if (width > srcWidth || src.size % srcWidth !== 0) throw new Error(`gatherRows: width ${width} of rows ${srcWidth} wide, source of ${src.size}`);
  if (dst.size < rows * width) throw new Error(`gatherRows: ${rows}×${width} rows into ${dst.size} elements`);
  if (indexOffset + rows > index.size) throw new Error(`gatherRows: indices [${indexOffset}, ${indexOffset + rows}) of ${index.size}`);
  if (rows * width === 0) return;
  ctx.dispatch({ shader: 'gather', entry: 'gather_rows' }, [src, index, dst], { rows: u32(rows), width: u32(width), srcWidth: u32(srcWidth), indexOffset: u32(indexOffset) }, Math.ceil((rows * width) / WG));
}
