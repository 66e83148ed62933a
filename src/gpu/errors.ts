// Typed errors for everything that can go wrong between the engine and the GPU.
// The UI and the CLI show `message`; nothing here is logged to the console.

export class GpuError extends Error {
  override name = 'GpuError';
}

/** No WebGPU implementation or no adapter at all. */
export class GpuUnavailableError extends GpuError {
  override name = 'GpuUnavailableError';
}

/** The adapter exists but is too small for the engine. */
export class GpuLimitError extends GpuError {
  override name = 'GpuLimitError';
  constructor(
    readonly limit: string,
    readonly required: number,
    readonly available: number,
  ) {
    super(`This GPU adapter is too small: the engine needs ${limit} ≥ ${required}, the adapter offers ${available}.`);
  }
}

/** A WGSL compile error or an invalid call caught by WebGPU validation. */
export class GpuValidationError extends GpuError {
  override name = 'GpuValidationError';
}

export class GpuOutOfMemoryError extends GpuError {
  override name = 'GpuOutOfMemoryError';
}

/** The device was lost (driver reset, tab backgrounded too long, destroy()). */
export class GpuDeviceLostError extends GpuError {
  override name = 'GpuDeviceLostError';
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    // The browser's own detail usually ends in a full stop already ("Device was destroyed.").
    const said = detail.trim().replace(/\.+$/, '');
    super(`The GPU device was lost (${reason})${said ? `: ${said}` : ''}. Finished work is kept; restart the run to continue.`);
  }
}
