import { type GpuContext, u32 } from '../context';
import { Tensor, alignedElements } from '../tensor';

const WG = 256;

interface GatherShape {
  rows: number;
  width: number;
  srcWidth: number;
  indexOffset?: number;
}

/**
 * dst[r, c] = src[index[indexOffset + r], c] for r < rows, c < width: rows
 * picked from src [·, srcWidth] and cut to their first `width` columns. Works
 * on f32 and u32 tensors alike (words are copied as they are).
 */
export function gatherRows(ctx: GpuContext, src: Tensor, index: Tensor<'u32'>, dst: Tensor, o: GatherShape): void {
  if (src.dtype !== dst.dtype) throw new Error(`gatherRows: ${src.dtype} into ${dst.dtype}`);
  check(src, index, dst, o);
  dispatch(ctx, src, index, dst, o, { planes: 1, srcPlane: 0, dstPlane: 0 });
}

function check(src: Tensor, index: Tensor<'u32'>, dst: Tensor, o: GatherShape): void {
  const { rows, width, srcWidth, indexOffset = 0 } = o;
  if (width > srcWidth || src.size % srcWidth !== 0) throw new Error(`gatherRows: width ${width} of rows ${srcWidth} wide, source of ${src.size}`);
  if (dst.size < rows * width) throw new Error(`gatherRows: ${rows}×${width} rows into ${dst.size} elements`);
  if (indexOffset + rows > index.size) throw new Error(`gatherRows: indices [${indexOffset}, ${indexOffset + rows}) of ${index.size}`);
}

function dispatch(ctx: GpuContext, src: Tensor, index: Tensor<'u32'>, dst: Tensor, o: GatherShape, planes: { planes: number; srcPlane: number; dstPlane: number }): void {
  const { rows, width, srcWidth, indexOffset = 0 } = o;
  const n = planes.planes * rows * width;
  if (n === 0) return;
  const p = { rows: u32(rows), width: u32(width), srcWidth: u32(srcWidth), indexOffset: u32(indexOffset), planes: u32(planes.planes), srcPlane: u32(planes.srcPlane), dstPlane: u32(planes.dstPlane) };
  ctx.dispatch({ shader: 'gather', entry: 'gather_rows' }, [src, index, dst], p, Math.ceil(n / WG));
}

/**
 * gatherRows of the same rows from several sources (f32 or u32, each
 * [·, srcWidth]) into one new buffer: returns their [rows, width] results as
 * views of it, in order, and the tensor that owns them. Sources lying as
 * equally spaced planes of one buffer (the trainer lays its per-token arrays
 * out so) are gathered in one dispatch; the words moved are the same either way.
 */
export function gatherRowsOfMany(ctx: GpuContext, srcs: readonly Tensor[], index: Tensor<'u32'>, o: GatherShape): { owner: Tensor; out: Tensor[] } {
  const plane = alignedElements(o.rows * o.width);
  const owner = ctx.tensor([Math.max(1, srcs.length) * plane]);
  const out = srcs.map((s, k) => owner.viewAs(s.dtype, o.width === 1 ? [o.rows] : [o.rows, o.width], k * plane));
  for (let k = 0; k < srcs.length; ) {
    const first = srcs[k];
    check(first, index, out[k], o);
    // The run of sources k … end − 1 lying `gap` bytes apart in one buffer, gathered as planes.
    const gap = k + 1 < srcs.length ? srcs[k + 1].byteOffset - first.byteOffset : 0;
    let end = k + 1;
    if (gap >= first.byteLength) while (end < srcs.length && srcs[end].buffer === first.buffer && srcs[end].size === first.size && srcs[end].byteOffset - srcs[end - 1].byteOffset === gap) end++;
    const planes = end - k;
    const src = planes > 1 ? new Tensor(first.buffer, [((planes - 1) * gap) / 4 + first.size], first.dtype, first.byteOffset, null) : first;
    dispatch(ctx, src, index, owner.viewAs(first.dtype, [planes * plane], k * plane), o, { planes, srcPlane: planes > 1 ? gap / 4 : 0, dstPlane: plane });
    k = end;
  }
  return { owner, out };
}
