// Buffers are recycled by (usage, size): a training step that asks for the
// same shapes every time creates no new GPU buffers after the first step.

export interface PoolStats {
  /** Buffers ever created by the pool. */
  created: number;
  /** Acquisitions served from the free lists. */
  reused: number;
  /** Buffers currently handed out. */
  live: number;
  /** Bytes held by the pool, live and free. */
  bytes: number;
}

/** Sizes are rounded up to this many bytes so that near-equal requests share buffers. */
const SIZE_QUANTUM = 256;

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly stats_: PoolStats = { created: 0, reused: 0, live: 0, bytes: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  static roundSize(bytes: number): number {
    return Math.max(SIZE_QUANTUM, Math.ceil(bytes / SIZE_QUANTUM) * SIZE_QUANTUM);
  }

  acquire(bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const size = BufferPool.roundSize(bytes);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    this.stats_.live++;
    const hit = list?.pop();
    if (hit) {
      this.stats_.reused++;
      return hit;
    }
    this.stats_.created++;
    this.stats_.bytes += size;
    return this.device.createBuffer({ size, usage, label: `${this.label}:${size}` });
  }

  release(buffer: GPUBuffer): void {
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
    this.stats_.live--;
  }

  stats(): PoolStats {
    return { ...this.stats_ };
  }

  /** Destroys the free buffers (live ones stay valid). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) {
      this.stats_.bytes -= b.size;
      b.destroy();
    }
    this.free.clear();
  }
}
