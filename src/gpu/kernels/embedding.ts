import { type GpuContext, type Params, u32 } from '../context';
import type { Tensor } from '../tensor';

const WG = 64;

function checkPositions(what: string, positions: Tensor, rows: number): void {
  if (positions.dtype !== 'u32') throw new Error(`${what}: positions must be u32, got ${positions.dtype}`);
  expectSize(`${what} positions`, positions, rows);
}

function expectSize(what: string, t: Tensor, size: number): void {
  if (t.size !== size) throw new Error(`${what}: ${t.size} elements [${t.shape.join(', ')}], expected ${size}`);
}

/**
 * out [B·T, C] = wte[tokens] + wpe[position]; tokens are u32 [B·T], wte [V,C],
 * wpe [Tmax,C] with Tmax ≥ T. Row r sits at position r % T, or at
 * positions[r] (u32 [B·T], each < Tmax) when given.
 */
export function embeddingForward(ctx: GpuContext, tokens: Tensor, wte: Tensor, wpe: Tensor, out: Tensor, B: number, T: number, C: number, positions?: Tensor): void {
  if (tokens.dtype !== 'u32') throw new Error(`embeddingForward: tokens must be u32, got ${tokens.dtype}`);
  if (positions) checkPositions('embeddingForward', positions, B * T);
  expectSize('embeddingForward tokens', tokens, B * T);
  expectSize('embeddingForward out', out, B * T * C);
  if (wte.size % C !== 0 || wpe.size % C !== 0 || wpe.size / C < T) throw new Error(`embeddingForward: wte ${wte.size} / wpe ${wpe.size} elements do not fit C=${C}, T=${T}`);
  const params = { B: u32(B), T: u32(T), C: u32(C), V: u32(wte.size / C), Tmax: u32(wpe.size / C), accumulate: u32(0) };
  if (positions) {
    ctx.dispatch({ shader: 'embedding', entry: 'embedding_forward_at' }, [tokens, wte, wpe, out, positions], params, Math.ceil((B * T * C) / WG));
    return;
  }
  const vec4 = C % 4 === 0;
  ctx.dispatch({ shader: 'embedding', entry: vec4 ? 'embedding_forward_vec4' : 'embedding_forward' }, [tokens, wte, wpe, out], params, Math.ceil((B * T * (vec4 ? C / 4 : C)) / WG));
}

/**
 * dwte [V,C] and dwpe [Tmax,C] from dout [B·T, C]: written, or added to when
 * accumulate. Rows are first grouped by token (a counting sort in two small
 * pooled scratch tensors, work V·B·T), then each gradient element sums its
 * rows in row order. Tokens ≥ V contribute nothing. `positions` as in
 * embeddingForward.
 */
export function embeddingBackward(ctx: GpuContext, dout: Tensor, tokens: Tensor, dwte: Tensor, dwpe: Tensor, B: number, T: number, C: number, V: number, accumulate = false, positions?: Tensor): void {
  if (tokens.dtype !== 'u32') throw new Error(`embeddingBackward: tokens must be u32, got ${tokens.dtype}`);
  if (positions) checkPositions('embeddingBackward', positions, B * T);
  expectSize('embeddingBackward tokens', tokens, B * T);
  expectSize('embeddingBackward dout', dout, B * T * C);
  expectSize('embeddingBackward dwte', dwte, V * C);
  const Tmax = dwpe.size / C;
  if (!Number.isInteger(Tmax) || Tmax < T) throw new Error(`embeddingBackward: dwpe has ${dwpe.size} elements, not [Tmax ≥ ${T}, ${C}]`);
  const params = { B: u32(B), T: u32(T), C: u32(C), V: u32(V), Tmax: u32(Tmax), accumulate: u32(accumulate ? 1 : 0) };
  gatherByIndex(ctx, tokens, dout, dwte, V, params);
  // Rows at given positions are grouped by position as rows are grouped by token: the same sums in row order.
  if (positions) gatherByIndex(ctx, positions, dout, dwpe, Tmax, { ...params, V: u32(Tmax) });
  else ctx.dispatch({ shader: 'embedding', entry: 'embedding_backward_positions' }, [dout, dwpe], params, Math.ceil((Tmax * C) / WG));
}

/** table[v, c] (+)= Σ_{r : ids[r] = v} dout[r, c] over the B·T rows, in row order, for v < V (params.V). */
function gatherByIndex(ctx: GpuContext, ids: Tensor, dout: Tensor, table: Tensor, V: number, params: Params): void {
  const C = dout.size / ids.size;
  const rowsById = ctx.tensor([ids.size], 'u32'), idRange = ctx.tensor([V, 2], 'u32');
  ctx.dispatch({ shader: 'embedding', entry: 'embedding_group_rows' }, [ids, rowsById, idRange], params, Math.ceil(V / WG));
  ctx.dispatch({ shader: 'embedding', entry: 'embedding_backward_tokens' }, [rowsById, idRange, dout, table], params, Math.ceil((V * C) / WG));
  // Later users of these pooled buffers are recorded after this dispatch, so the queue orders them after it.
  idRange.dispose();
  rowsById.dispose();
}
