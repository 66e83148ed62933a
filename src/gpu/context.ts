// The engine's handle on one GPU device: pipelines (cached), buffers (pooled),
// dispatches recorded into one command encoder until submit(), uniforms packed
// into reusable chunks, readback through reused staging buffers, and device
// errors turned into typed exceptions.

import { GpuDeviceLostError, GpuError, GpuLimitError, GpuOutOfMemoryError, GpuUnavailableError, GpuValidationError } from './errors';
import { BufferPool, type PoolStats } from './pool';
import { shaderSource } from './shaders';
import { type DType, Tensor, type TypedArrayFor, product, typedArrayFor } from './tensor';
import { type Param, type Params, type UniformLayout, orderParams, parseUniformLayout } from './uniforms';

/** What the engine cannot run without; requested from the adapter at device creation. */
export const ENGINE_LIMITS = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxBufferSize: 128 * 1024 * 1024,
} as const;

/** Limits the engine takes as large as the adapter allows (bigger models need them). */
const GROWABLE_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize'] as const;

export interface KernelRef {
  /** File name in shaders/ without .wgsl. */
  shader: string;
  entry: string;
  /** Pipeline-overridable constants (`override` declarations in WGSL). */
  constants?: Record<string, number>;
  /** The shader's `//!if` blocks to keep (src/gpu/shaders.ts), e.g. SUBGROUPS where the device has the feature. */
  defines?: readonly string[];
}

export { type Param, type Params, f32, i32, u32 } from './uniforms';

export type Workgroups = number | readonly [number, number?, number?];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** One human-readable line, e.g. "google swiftshader (SwiftShader driver 5.0.0)". */
  name: string;
  /** True for CPU implementations such as SwiftShader. */
  isSoftware: boolean;
  /** The subgroup size where the adapter reports one fixed size (SwiftShader: 4), else null. */
  subgroupSize: number | null;
}

export interface ContextStats {
  pool: PoolStats;
  stagingBuffers: number;
  pipelines: number;
  bindGroupsCreated: number;
  /** Compute dispatches recorded since the context was made. */
  dispatches: number;
  /** Command buffers submitted to the queue. */
  submits: number;
  /** GPU→CPU round trips (readMany calls: one submission, one wait). */
  readbacks: number;
  /** Staging buffers mapped for reading, over all readbacks. */
  readbackBuffers: number;
}

const UNIFORM_CHUNK = 64 * 1024;
/** One dispatch's uniforms: WebGPU's guaranteed minUniformBufferOffsetAlignment. */
const UNIFORM_SLOT = 256;

/** WebGPU's guaranteed maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIM = 65535;
/** Bind groups kept (each with its uniform slot: 4 MiB of them); past this the cache starts over at the next submit. */
const BIND_GROUP_CACHE_MAX = 16384;
/**
 * Recorded dispatches are submitted in batches of this many, so the GPU works
 * on the first ones while the rest of a phase is still being recorded (a
 * phase records hundreds of dispatches before it reads anything back). On a
 * CPU adapter that overlap made a step 5 % (countdown tiny) to 11 % (paths
 * tiny) faster than one submission per phase (docs/benchmarks.md).
 */
export const SUBMIT_EVERY = 64;

/** Splits a 1-D grid of `count` workgroups over x and y when it exceeds the per-dimension limit. */
export function grid1d(count: number): [number, number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIM) return [Math.max(1, count), 1, 1];
  return [MAX_WORKGROUPS_PER_DIM, Math.ceil(count / MAX_WORKGROUPS_PER_DIM), 1];
}

export function summarizeAdapter(info: GPUAdapterInfo | undefined, fallback = false): AdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const main = [vendor, architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const name = description && description !== main ? `${main} (${description})` : main;
  const isSoftware = fallback || /swiftshader|llvmpipe|lavapipe|software|warp/i.test(`${vendor} ${architecture} ${description}`);
  const sizes = info as unknown as { subgroupMinSize?: number; subgroupMaxSize?: number } | undefined;
  const subgroupSize = sizes?.subgroupMinSize && sizes.subgroupMinSize === sizes.subgroupMaxSize ? sizes.subgroupMinSize : null;
  return { vendor, architecture, device, description, name, isSoftware, subgroupSize };
}

export interface CreateContextOptions {
  powerPreference?: GPUPowerPreference;
  label?: string;
  /** Request the adapter's 'timestamp-query' feature, for profileKernels(); refused clearly where the adapter lacks it. */
  timestamps?: boolean;
  /**
   * How the context awaits the GPU's promises (readbacks, sync, profiles);
   * by default a plain await. Node passes waitSleeping (src/gpu/node-wait.ts).
   */
  waitForGpu?: GpuWait;
}

/** Awaits a promise the GPU settles. */
export type GpuWait = <T>(work: Promise<T>) => Promise<T>;

/** One dispatch's GPU time, from timestamps written around it (GpuContext.profileKernels). */
export interface KernelTime {
  /** shader:entry, with its pipeline constants. */
  kernel: string;
  workgroups: [number, number, number];
  ms: number;
}

/** Timestamp pairs one query set holds (WebGPU allows 4096 queries per set). */
const PROFILE_PAIRS_PER_SET = 2048;

export async function createGpuContext(gpu: GPU | undefined, options: CreateContextOptions = {}): Promise<GpuContext> {
  if (!gpu) throw new GpuUnavailableError('WebGPU is not available here (no navigator.gpu). Use a recent Chrome or Edge, or enable WebGPU in your browser settings.');
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new GpuUnavailableError('WebGPU is present but found no GPU adapter.');
  const requiredLimits: Record<string, number> = {};
  for (const [limit, need] of Object.entries(ENGINE_LIMITS)) {
    const have = (adapter.limits as unknown as Record<string, number>)[limit];
    if (have < need) throw new GpuLimitError(limit, need, have);
    requiredLimits[limit] = need;
  }
  for (const limit of GROWABLE_LIMITS) requiredLimits[limit] = adapter.limits[limit];
  const requiredFeatures: GPUFeatureName[] = [];
  if (options.timestamps) {
    if (!adapter.features.has('timestamp-query')) throw new GpuUnavailableError("This adapter has no 'timestamp-query' feature, which the kernel profile needs.");
    requiredFeatures.push('timestamp-query');
  }
  // Subgroups let a CPU adapter's products share operands between the lanes of a SIMD group (src/gpu/kernels/matmul.ts).
  if (adapter.features.has('subgroups')) requiredFeatures.push('subgroups' as GPUFeatureName);
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: options.label ?? 'rlvr-lab' });
  const info = adapter.info as GPUAdapterInfo | undefined;
  const isFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (info as unknown as { isFallbackAdapter?: boolean })?.isFallbackAdapter ?? false;
  return new GpuContext(device, summarizeAdapter(info, isFallback), options.waitForGpu);
}

type Binding = Tensor | GPUBuffer;

/** A cached bind group and the uniform slot it binds at 0 (null when the entry point reads none). */
interface CachedGroup {
  group: GPUBindGroup;
  slot: { chunk: number; offset: number } | null;
  /** The values in the slot (uniformWords). */
  values: Uint32Array | null;
  /** The submission whose dispatches last used it. */
  usedIn: number;
}

/** Whether two dispatches' uniform words (or the absence of uniforms) are the same. */
function sameWords(a: Uint32Array | null, b: Uint32Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Uniform values as the 32-bit words the shader reads, in struct order. */
function uniformWords(params: readonly Param[]): Uint32Array {
  if (params.length * 4 > UNIFORM_SLOT) throw new Error(`At most ${UNIFORM_SLOT / 4} uniform values per dispatch`);
  const words = new Uint32Array(params.length);
  const view = new DataView(words.buffer);
  params.forEach((p, i) => {
    if (p.t === 'f32') view.setFloat32(i * 4, p.v, true);
    else if (p.t === 'i32') view.setInt32(i * 4, p.v, true);
    else view.setUint32(i * 4, p.v, true);
  });
  return words;
}

export class GpuContext {
  readonly pool: BufferPool;
  private readonly stagingPool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly uniformLayouts = new Map<string, UniformLayout | null>();
  private readonly bindGroups = new Map<string, CachedGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private sinceSubmit = 0;
  /**
   * Uniform slots, one per cached bind group, in chunks mirrored by
   * `uniformCpu`; slots written since the last submit are uploaded just
   * before it, so a slot rewritten for new values never changes work already
   * submitted. `submitSerial` counts submissions, so a bind group knows
   * whether its slot already serves a dispatch of the open one.
   */
  private readonly uniformChunks: GPUBuffer[] = [];
  private readonly uniformCpu: ArrayBuffer[] = [];
  private uniformSlotCount = 0;
  private readonly uniformDirty: { chunk: number; from: number; to: number }[] = [];
  private submitSerial = 0;
  private readonly errors: GpuError[] = [];
  private lostError: GpuDeviceLostError | null = null;
  private readonly lostListeners = new Set<(e: GpuDeviceLostError) => void>();
  private counters = { bindGroupsCreated: 0, dispatches: 0, submits: 0, readbacks: 0, readbackBuffers: 0 };
  /** While profiling: the kernels recorded into the open encoder, their query sets, and the readbacks in flight. */
  private profile: { names: { kernel: string; workgroups: [number, number, number] }[]; sets: GPUQuerySet[]; pending: Promise<KernelTime[]>[] } | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    private readonly waitForGpu: GpuWait = (work) => work,
  ) {
    this.pool = new BufferPool(device, 'pool');
    this.stagingPool = new BufferPool(device, 'staging');
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      const kind = err.constructor?.name ?? '';
      if (kind === 'GPUOutOfMemoryError') this.errors.push(new GpuOutOfMemoryError(`GPU out of memory: ${err.message}`));
      else if (kind === 'GPUValidationError') this.errors.push(new GpuValidationError(err.message));
      else this.errors.push(new GpuError(err.message));
    });
    void device.lost.then((info) => {
      this.lostError = new GpuDeviceLostError(info.reason ?? 'unknown', info.message ?? '');
      for (const fn of this.lostListeners) fn(this.lostError);
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** The subgroup size kernels may rely on: the adapter's fixed size where the device has 'subgroups', else null. */
  get subgroupSize(): number | null {
    return this.device.features.has('subgroups') ? this.adapter.subgroupSize : null;
  }

  get isLost(): boolean {
    return this.lostError !== null;
  }

  /** Called once if the device is lost; returns an unsubscribe function. */
  onLost(fn: (e: GpuDeviceLostError) => void): () => void {
    if (this.lostError) fn(this.lostError);
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  // ---------------------------------------------------------------- tensors

  /** A pooled tensor; contents are undefined unless `data` is given. */
  tensor<D extends DType = 'f32'>(shape: readonly number[], dtype?: D, data?: ArrayLike<number>): Tensor<D> {
    this.throwIfLost();
    const dt = (dtype ?? 'f32') as D;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = this.pool.acquire(Math.max(4, product(shape) * 4), usage);
    const t = new Tensor<D>(buffer, shape, dt, 0, (b) => this.pool.release(b));
    if (data) this.write(t, data);
    return t;
  }

  /**
   * Uploads `data` into `t`. Commands recorded so far are submitted first, so
   * kernels recorded before this call see the old contents, as written.
   */
  write(t: Tensor, data: ArrayLike<number>): void {
    this.throwIfLost();
    if (data.length !== t.size) throw new Error(`write: ${data.length} values for a tensor of ${t.size} [${t.shape.join(', ')}]`);
    if (this.encoder) this.submit();
    const typed = matchesDtype(t.dtype, data) ? data : copyAs(t.dtype, data);
    this.device.queue.writeBuffer(t.buffer, t.byteOffset, typed.buffer, typed.byteOffset, t.byteLength);
  }

  /** Sets every element of `t` to zero (recorded in order with dispatches). */
  zero(t: Tensor): void {
    const enc = this.endPass();
    enc.clearBuffer(t.buffer, t.byteOffset, t.byteLength);
  }

  /** Copies src into dst (same number of elements), recorded in order. */
  copy(src: Tensor, dst: Tensor): void {
    if (src.size !== dst.size) throw new Error(`copy: ${src.size} elements into ${dst.size}`);
    this.copyRange(src, 0, dst, 0, src.size);
  }

  /** Copies `count` elements from src[srcOffset…] to dst[dstOffset…], recorded in order. */
  copyRange(src: Tensor, srcOffset: number, dst: Tensor, dstOffset: number, count: number): void {
    if (srcOffset + count > src.size || dstOffset + count > dst.size || srcOffset < 0 || dstOffset < 0) {
      throw new Error(`copyRange: [${srcOffset}, +${count}) of ${src.size} into [${dstOffset}, +${count}) of ${dst.size}`);
    }
    if (count === 0) return;
    if (src.buffer === dst.buffer) {
      // WebGPU copies only between distinct buffers: views of one buffer go through a pooled one.
      const via = this.tensor([count], src.dtype);
      this.copyRange(src, srcOffset, via, 0, count);
      this.copyRange(via, 0, dst, dstOffset, count);
      via.dispose();
      return;
    }
    const enc = this.endPass();
    enc.copyBufferToBuffer(src.buffer, src.byteOffset + srcOffset * 4, dst.buffer, dst.byteOffset + dstOffset * 4, count * 4);
  }

  // --------------------------------------------------------------- kernels

  pipeline(k: KernelRef, key = pipelineKey(k)): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: shaderSource(k.shader, k.defines), label: k.defines?.length ? `${k.shader}+${k.defines.join('+')}` : k.shader });
      p = this.device.createComputePipeline({
        layout: 'auto',
        label: `${k.shader}:${k.entry}`,
        compute: { module, entryPoint: k.entry, constants: k.constants },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** The uniform struct the entry point reads (parsed once per entry point), or null when it reads none. */
  uniformLayout(k: KernelRef): UniformLayout | null {
    const key = `${k.shader}:${k.entry}`;
    let layout = this.uniformLayouts.get(key);
    if (layout === undefined) {
      layout = parseUniformLayout(shaderSource(k.shader, k.defines), k.shader, k.entry);
      this.uniformLayouts.set(key, layout);
    }
    return layout;
  }

  /**
   * Records one compute dispatch. `params` name the fields of the entry
   * point's uniform struct (at @binding(0)); they are checked against it and
   * packed in its order. The tensors bind, in order, at the following
   * bindings (starting at 1, or 0 when the entry point reads no uniforms).
   */
  dispatch(k: KernelRef, bindings: readonly Binding[], params: Params | null, workgroups: Workgroups): void {
    this.throwIfLost();
    const ordered = orderParams(this.uniformLayout(k), params, `dispatch ${k.shader}:${k.entry}`);
    const key = pipelineKey(k);
    const pipeline = this.pipeline(k, key);
    const group = this.bindGroup(k, key, pipeline, bindings, ordered);
    const wg = typeof workgroups === 'number' ? grid1d(workgroups) : workgroups;
    const grid: [number, number, number] = [Math.max(1, wg[0]), wg[1] ?? 1, wg[2] ?? 1];
    const pass = this.profile ? this.timedPass(key, grid) : this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(...grid);
    if (this.profile) this.endPass();
    this.counters.dispatches++;
    if (++this.sinceSubmit >= SUBMIT_EVERY) this.submit();
  }

  /**
   * Times every dispatch recorded while `run` runs (each in a compute pass of
   * its own, with GPU timestamps at its start and end) and returns them in
   * order. Needs a context made with `timestamps: true`. One pass per
   * dispatch adds a little overhead of its own; the times are for comparing
   * kernels, the step's wall time is measured without this.
   */
  async profileKernels(run: () => Promise<void>): Promise<KernelTime[]> {
    if (!this.device.features.has('timestamp-query')) throw new Error("profileKernels: make the context with { timestamps: true } (the adapter's 'timestamp-query' feature)");
    this.submit();
    this.profile = { names: [], sets: [], pending: [] };
    try {
      await run();
      this.submit();
      return (await Promise.all(this.profile.pending)).flat();
    } finally {
      for (const set of this.profile?.sets ?? []) set.destroy();
      this.profile = null;
    }
  }

  private timedPass(kernel: string, workgroups: [number, number, number]): GPUComputePassEncoder {
    const prof = this.profile!;
    this.endPass();
    const i = prof.names.length;
    const slot = i % PROFILE_PAIRS_PER_SET;
    if (slot === 0) prof.sets.push(this.device.createQuerySet({ type: 'timestamp', count: 2 * PROFILE_PAIRS_PER_SET }));
    prof.names.push({ kernel, workgroups });
    const querySet = prof.sets[prof.sets.length - 1];
    this.pass = this.ensureEncoder().beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * slot, endOfPassWriteIndex: 2 * slot + 1 } });
    return this.pass;
  }

  /** Resolves the open encoder's timestamps into a buffer; the returned function starts reading it back, once submitted. */
  private resolveProfile(enc: GPUCommandEncoder): () => void {
    const prof = this.profile;
    if (!prof || prof.names.length === 0) return () => {};
    const names = prof.names;
    const sets = prof.sets;
    prof.names = [];
    prof.sets = [];
    const bytes = names.length * 16;
    const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    sets.forEach((set, j) => {
      const count = Math.min(PROFILE_PAIRS_PER_SET, names.length - j * PROFILE_PAIRS_PER_SET);
      enc.resolveQuerySet(set, 0, 2 * count, resolved, j * PROFILE_PAIRS_PER_SET * 16);
    });
    enc.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    return () => prof.pending.push(
      this.waitForGpu(staging.mapAsync(GPUMapMode.READ)).then(() => {
        const t = new BigUint64Array(staging.getMappedRange().slice(0));
        staging.unmap();
        staging.destroy();
        resolved.destroy();
        for (const set of sets) set.destroy();
        return names.map((n, i) => ({ ...n, ms: Number(t[2 * i + 1] - t[2 * i]) / 1e6 }));
      }),
    );
  }

  /** Submits everything recorded since the last submit as one command buffer. */
  submit(): void {
    this.throwIfLost();
    if (!this.encoder && this.uniformDirty.length === 0) return;
    const enc = this.endPass();
    const readProfile = this.resolveProfile(enc);
    for (const { chunk, from, to } of this.uniformDirty) this.device.queue.writeBuffer(this.uniformChunks[chunk], from, this.uniformCpu[chunk], from, to - from);
    this.uniformDirty.length = 0;
    this.device.queue.submit([enc.finish()]);
    this.submitSerial++;
    // Work already submitted keeps the values it was recorded with: the queue
    // runs it before any later write to a slot reused from here on.
    if (this.bindGroups.size >= BIND_GROUP_CACHE_MAX) {
      this.bindGroups.clear();
      this.uniformSlotCount = 0;
    }
    readProfile();
    this.encoder = null;
    this.sinceSubmit = 0;
    this.counters.submits++;
  }

  /** Submits, waits for the GPU to finish, and throws the first device error since the last check. */
  async sync(): Promise<void> {
    this.submit();
    await this.waitForGpu(this.device.queue.onSubmittedWorkDone());
    this.throwErrors();
  }

  // -------------------------------------------------------------- readback

  async read<D extends DType>(t: Tensor<D>): Promise<TypedArrayFor<D>> {
    const [out] = await this.readMany([t]);
    return out as TypedArrayFor<D>;
  }

  /** Reads several tensors with one submission. */
  async readMany(ts: readonly Tensor[]): Promise<(Float32Array | Uint32Array | Int32Array)[]> {
    this.throwIfLost();
    const enc = this.endPass();
    const stagings = ts.map((t) => {
      const s = this.stagingPool.acquire(Math.max(4, t.byteLength), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      if (t.byteLength > 0) enc.copyBufferToBuffer(t.buffer, t.byteOffset, s, 0, t.byteLength);
      return s;
    });
    this.submit();
    this.counters.readbacks++;
    this.counters.readbackBuffers += stagings.length;
    try {
      await this.waitForGpu(Promise.all(stagings.map((s) => s.mapAsync(GPUMapMode.READ))));
    } catch (e) {
      this.throwIfLost();
      this.throwErrors();
      throw new GpuError(`Reading back from the GPU failed: ${(e as Error).message}`);
    }
    const out = ts.map((t, i) => {
      const s = stagings[i];
      const copy = typedArrayFor(t.dtype, t.size);
      if (t.byteLength > 0) new Uint8Array(copy.buffer).set(new Uint8Array(s.getMappedRange(0, t.byteLength)));
      s.unmap();
      this.stagingPool.release(s);
      return copy;
    });
    this.throwErrors();
    return out;
  }

  // ----------------------------------------------------------------- misc

  stats(): ContextStats {
    return {
      pool: this.pool.stats(),
      stagingBuffers: this.stagingPool.stats().created,
      pipelines: this.pipelines.size,
      bindGroupsCreated: this.counters.bindGroupsCreated,
      dispatches: this.counters.dispatches,
      submits: this.counters.submits,
      readbacks: this.counters.readbacks,
      readbackBuffers: this.counters.readbackBuffers,
    };
  }

  /** Throws (and clears) the first device error recorded so far. */
  throwErrors(): void {
    const first = this.errors.shift();
    this.errors.length = 0;
    if (first) throw first;
  }

  destroy(): void {
    this.pool.trim();
    this.stagingPool.trim();
    this.device.destroy();
  }

  private throwIfLost(): void {
    if (this.lostError) throw this.lostError;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /**
   * The bind group for these bindings and uniform values. Groups are cached
   * by pipeline and buffers, each with a uniform slot of its own that is
   * rewritten when the values change: the same kernel on the same buffers at
   * every step (with a new position, offset or step count) reuses its group
   * instead of creating one. When a group's slot already serves another
   * dispatch of the open submission with other values, the next group for
   * the same key (`#1`, `#2`, …) is taken.
   */
  private bindGroup(k: KernelRef, pipelineName: string, pipeline: GPUComputePipeline, bindings: readonly Binding[], params: readonly Param[] | null): GPUBindGroup {
    let base = pipelineName;
    const base0 = params ? 1 : 0;
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i];
      if (b instanceof Tensor) {
        if (b.isDisposed) throw new Error(`dispatch ${k.shader}:${k.entry}: binding ${i} is a disposed tensor`);
        base += `|${this.bufferId(b.buffer)}:${b.byteOffset}:${Math.max(4, b.byteLength)}`;
      } else base += `|${this.bufferId(b)}:0:${b.size}`;
    }
    const words = params ? uniformWords(params) : null;
    this.ensureEncoder();
    for (let n = 0; ; n++) {
      const key = `${base}#${n}`;
      const cached = this.bindGroups.get(key);
      if (!cached) {
        const entries: GPUBindGroupEntry[] = bindings.map((b, i) => ({ binding: base0 + i, resource: b instanceof Tensor ? { buffer: b.buffer, offset: b.byteOffset, size: Math.max(4, b.byteLength) } : { buffer: b, offset: 0, size: b.size } }));
        const slot = words ? this.newUniformSlot() : null;
        if (slot) entries.unshift({ binding: 0, resource: { buffer: this.uniformChunks[slot.chunk], offset: slot.offset, size: UNIFORM_SLOT } });
        const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
        this.counters.bindGroupsCreated++;
        const made: CachedGroup = { group, slot, values: words, usedIn: this.submitSerial };
        if (slot && words) this.writeUniforms(slot, words);
        this.bindGroups.set(key, made);
        return group;
      }
      if (sameWords(cached.values, words)) {
        cached.usedIn = this.submitSerial;
        return cached.group;
      }
      if (cached.usedIn !== this.submitSerial && cached.slot && words) {
        this.writeUniforms(cached.slot, words);
        cached.values = words;
        cached.usedIn = this.submitSerial;
        return cached.group;
      }
    }
  }

  private newUniformSlot(): { chunk: number; offset: number } {
    const at = this.uniformSlotCount++ * UNIFORM_SLOT;
    const chunk = Math.floor(at / UNIFORM_CHUNK);
    while (this.uniformChunks.length <= chunk) {
      this.uniformChunks.push(this.device.createBuffer({ size: UNIFORM_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `uniforms${this.uniformChunks.length}` }));
      this.uniformCpu.push(new ArrayBuffer(UNIFORM_CHUNK));
    }
    return { chunk, offset: at % UNIFORM_CHUNK };
  }

  /** Writes a slot's values into the mirror; they reach the GPU just before the next submission. */
  private writeUniforms(slot: { chunk: number; offset: number }, words: Uint32Array): void {
    new Uint32Array(this.uniformCpu[slot.chunk], slot.offset, words.length).set(words);
    const last = this.uniformDirty[this.uniformDirty.length - 1];
    if (last && last.chunk === slot.chunk && last.to === slot.offset) last.to = slot.offset + UNIFORM_SLOT;
    else this.uniformDirty.push({ chunk: slot.chunk, from: slot.offset, to: slot.offset + UNIFORM_SLOT });
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.ensureEncoder().beginComputePass();
    return this.pass;
  }

  /** Ends the open compute pass (if any) so copies can be recorded; returns the encoder. */
  private endPass(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.ensureEncoder();
  }
}

function pipelineKey(k: KernelRef): string {
  const parts = [...Object.keys(k.constants ?? {}).sort().map((n) => `${n}=${k.constants![n]}`), ...[...(k.defines ?? [])].sort()];
  return parts.length ? `${k.shader}:${k.entry}{${parts.join(',')}}` : `${k.shader}:${k.entry}`;
}

function matchesDtype(dtype: DType, data: ArrayLike<number>): data is Float32Array | Uint32Array | Int32Array {
  return dtype === 'f32' ? data instanceof Float32Array : dtype === 'u32' ? data instanceof Uint32Array : data instanceof Int32Array;
}

function copyAs(dtype: DType, data: ArrayLike<number>): Float32Array | Uint32Array | Int32Array {
  const out = typedArrayFor(dtype, data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i];
  return out;
}
