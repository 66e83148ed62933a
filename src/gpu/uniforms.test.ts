import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/gpu';
import { f32, i32, orderParams, parseUniformLayout, u32 } from './uniforms';
import { shaderNames, shaderSource } from './shaders';

const SHADER = `
struct Params {
  N: u32,
  C: u32, // channels
  eps: f32,
  /* a signed offset */ shift: i32,
}
struct Other { rows: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(0) var<uniform> q: Other;
fn helper() -> u32 { return p.N; }
@compute @workgroup_size(1) fn uses_helper() { _ = helper(); }
@compute @workgroup_size(1) fn uses_other() { _ = q.rows; }
@compute @workgroup_size(1) fn uses_none() { }
@compute @workgroup_size(1) fn uses_both() { _ = p.C + q.rows; }
`;

describe('uniform layouts', () => {
  it('reads the struct an entry point reaches, through the functions it calls', () => {
    expect(parseUniformLayout(SHADER, 'test', 'uses_helper')).toEqual({
      struct: 'Params',
      fields: [
        { name: 'N', type: 'u32' },
        { name: 'C', type: 'u32' },
        { name: 'eps', type: 'f32' },
        { name: 'shift', type: 'i32' },
      ],
    });
    expect(parseUniformLayout(SHADER, 'test', 'uses_other')?.struct).toBe('Other');
    expect(parseUniformLayout(SHADER, 'test', 'uses_none')).toBeNull();
  });

  it('refuses an unknown entry point and one that reads two uniform variables', () => {
    expect(() => parseUniformLayout(SHADER, 'test', 'nope')).toThrow(/shaders\/test\.wgsl has no entry point "nope"/);
    expect(() => parseUniformLayout(SHADER, 'test', 'uses_both')).toThrow(/"uses_both" reads several uniform variables \(p, q\)|\(q, p\)/);
  });

  it('packs named values in the struct order, whatever order they come in', () => {
    const layout = parseUniformLayout(SHADER, 'test', 'uses_helper');
    const packed = orderParams(layout, { shift: i32(-2), eps: f32(1e-5), C: u32(7), N: u32(3) }, 'k');
    expect(packed).toEqual([u32(3), u32(7), f32(1e-5), i32(-2)]);
  });

  it('names a missing, an unknown and a mistyped field', () => {
    const layout = parseUniformLayout(SHADER, 'test', 'uses_helper');
    expect(() => orderParams(layout, { N: u32(3), C: u32(7), eps: f32(1) }, 'k')).toThrow(/k: uniforms missing shift \(struct Params \{ N: u32, C: u32, eps: f32, shift: i32 \}\)/);
    expect(() => orderParams(layout, { N: u32(3), C: u32(7), eps: f32(1), shift: i32(0), Nn: u32(1) }, 'k')).toThrow(/unknown Nn/);
    expect(() => orderParams(layout, { N: u32(3), C: u32(7), eps: u32(1), shift: i32(0) }, 'k')).toThrow(/uniform eps is f32 in struct Params, but was given u32/);
    expect(() => orderParams(layout, { N: u32(-1), C: u32(7), eps: f32(1), shift: i32(0) }, 'k')).toThrow(/N = -1 is not a u32/);
    expect(() => orderParams(layout, null, 'k')).toThrow(/needs its uniforms/);
    expect(() => orderParams(null, { N: u32(1) }, 'k')).toThrow(/reads no uniforms, but was given N/);
  });

  it('parses every entry point of every shader in shaders/', () => {
    for (const name of shaderNames()) {
      const src = shaderSource(name);
      for (const [, entry] of src.matchAll(/@compute[^\n]*\n?\s*fn\s+(\w+)/g)) expect(() => parseUniformLayout(src, name, entry), `${name}:${entry}`).not.toThrow();
    }
  });
});

describe('GpuContext.dispatch with named uniforms', () => {
  it('refuses a wrong name and a missing field with a message, before recording anything', async () => {
    const ctx = await testContext();
    const a = ctx.tensor([8]), b = ctx.tensor([8]), out = ctx.tensor([8]);
    const before = ctx.stats().dispatches;
    expect(() => ctx.dispatch({ shader: 'elementwise', entry: 'add' }, [a, b, out], { count: u32(8) }, 1)).toThrow(/dispatch elementwise:add: uniforms missing n; unknown count/);
    expect(() => ctx.dispatch({ shader: 'layernorm', entry: 'layernorm_forward' }, [a, b, out], { N: u32(1), C: u32(8), eps: f32(1e-5) }, 1)).toThrow(/missing accumulate/);
    expect(() => ctx.dispatch({ shader: 'elementwise', entry: 'add' }, [a, b, out], { n: f32(8) }, 1)).toThrow(/uniform n is u32 .* given f32/);
    expect(ctx.stats().dispatches).toBe(before);
    for (const t of [a, b, out]) t.dispose();
  });
});
