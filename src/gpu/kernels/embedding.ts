import { type GpuContext, type Params, f32, u32 } from '../context';
import { LAYERNORM_EPS } from '../reference/layernorm';
import { type Tensor, spanViews } from '../tensor';

const WG = 64;

function checkPositions(what: string, positions: Tensor, rows: number): void {
  if (positions.dtype !== 'u32') throw new Error(`${what}: positions must be u32, got ${positions.dtype}`);
  expectSize(`${what} positions`, positions, rows);
}

/** wte [V, C] and wpe [Tmax, C] with Tmax ≥ T. */
function checkTables(fn: string, wte: Tensor, wpe: Tensor, C: number, T: number): void {
  if (wte.size % C !== 0 || wpe.size % C !== 0 || wpe.size / C < T) throw new Error(`${fn}: wte ${wte.size} / wpe ${wpe.size} elements do not fit C=${C}, T=${T}`);
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
  checkTables('embeddingForward', wte, wpe, C, T);
  const params = { B: u32(B), T: u32(T), C: u32(C), V: u32(wte.size / C), Tmax: u32(wpe.size / C), accumulate: u32(0) };
  if (positions) {
    ctx.dispatch({ shader: 'embedding', entry: 'embedding_forward_at' }, [tokens, wte, wpe, out, positions], params, Math.ceil((B * T * C) / WG));
    return;
  }
  const vec4 = C % 4 === 0;
  ctx.dispatch({ shader: 'embedding', entry: vec4 ? 'embedding_forward_vec4' : 'embedding_forward' }, [tokens, wte, wpe, out], params, Math.ceil((B * T * (vec4 ? C / 4 : C)) / WG));
}

/** Rows per workgroup of embeddingNorm (one invocation per row, as layernormForward's). */
const NORM_WG = 16;

/** Where embeddingNorm's rows stand: N rows at position n % T, or at positions[n]; `tokens` [N], or [N, T] read at each row's position (`atPosition`). */
export interface EmbeddingRows {
  N: number;
  T: number;
  positions?: Tensor;
  atPosition?: boolean;
}

/**
 * out [N, C] = wte[token] + wpe[position] as embeddingForward (or
 * decodeEmbed, with rows.atPosition), and ln.out = LayerNorm(out)·w + b with
 * each row's mean and rstd, as layernormForward: the same bits in one
 * dispatch instead of two. C % 4 = 0; the layer norm's weight and bias must
 * be views of one buffer (as a model's parameters are), and so must its
 * means and rstds (normStats).
 */
export function embeddingNorm(ctx: GpuContext, tokens: Tensor, wte: Tensor, wpe: Tensor, out: Tensor, rows: EmbeddingRows, C: number, ln: { w: Tensor; b: Tensor; out: Tensor; mean: Tensor; rstd: Tensor }): void {
  const fn = 'embeddingNorm';
  const { N, T, positions, atPosition = false } = rows;
  if (C % 4 !== 0) throw new Error(`${fn}: C=${C} is not a multiple of 4`);
  if (tokens.dtype !== 'u32') throw new Error(`${fn}: tokens must be u32, got ${tokens.dtype}`);
  if (atPosition && !positions) throw new Error(`${fn}: tokens read at each row's position need the positions`);
  if (positions) checkPositions(fn, positions, N);
  if (atPosition) {
    if (tokens.size < N * T) throw new Error(`${fn}: tokens has ${tokens.size} elements, fewer than N·T = ${N * T}`);
  } else expectSize(`${fn} tokens`, tokens, N);
  for (const [what, t] of [['out', out], ['ln out', ln.out]] as const) expectSize(`${fn} ${what}`, t, N * C);
  for (const [what, t] of [['ln weight', ln.w], ['ln bias', ln.b]] as const) expectSize(`${fn} ${what}`, t, C);
  for (const [what, t] of [['ln mean', ln.mean], ['ln rstd', ln.rstd]] as const) expectSize(`${fn} ${what}`, t, N);
  checkTables(fn, wte, wpe, C, T);
  const params = spanViews(ln.w, ln.b, 4, "layer norm's weight and bias", fn);
  const stats = spanViews(ln.mean, ln.rstd, 1, "layer norm's mean and rstd", fn);
  const p = {
    N: u32(N), T: u32(T), C: u32(C), row_stride: u32(atPosition ? T : 1), pos_stride: u32(atPosition ? 1 : 0), has_positions: u32(positions ? 1 : 0),
    eps: f32(LAYERNORM_EPS), ln_b_at: u32(params.at), rstd_at: u32(stats.at),
  };
  ctx.dispatch({ shader: 'embedding-ln', entry: 'embedding_ln', constants: { WG: NORM_WG } }, [tokens, wte, wpe, positions ?? tokens, out, params.t, ln.out, stats.t], p, Math.ceil(N / NORM_WG));
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
