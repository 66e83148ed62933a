// The GPU job of npm run bench:wait: one kernel that keeps the adapter busy
// (each invocation loops on sin), dispatched `reps` times and awaited. It uses
// the WebGPU API only, so Node (Dawn) and a browser page run the same code.

/** Invocations per workgroup, and per dispatch. */
const WORKGROUP = 64;
const INVOCATIONS = 1 << 16;

const BUSY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn busy(@builtin(global_invocation_id) g: vec3<u32>) {
  var x = a[g.x];
  for (var i = 0u; i < 2000u; i++) { x = sin(x) + 1.0; }
  a[g.x] = x;
}`;

const kernels = new WeakMap<GPUDevice, { pipeline: GPUComputePipeline; group: GPUBindGroup }>();

function kernelFor(device: GPUDevice) {
  let k = kernels.get(device);
  if (!k) {
    const buffer = device.createBuffer({ size: INVOCATIONS * 4, usage: GPUBufferUsage.STORAGE, label: 'busy' });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: BUSY_WGSL }), entryPoint: 'busy' } });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
    kernels.set(device, (k = { pipeline, group }));
  }
  return k;
}

/** Submits `reps` dispatches of the busy kernel and returns the ms until `wait` saw them finish (a plain await by default). */
export async function busyJob(device: GPUDevice, reps: number, wait: <T>(work: Promise<T>) => Promise<T> = (work) => work): Promise<number> {
  const { pipeline, group } = kernelFor(device);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(INVOCATIONS / WORKGROUP);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const t0 = performance.now();
  await wait(device.queue.onSubmittedWorkDone());
  return performance.now() - t0;
}
